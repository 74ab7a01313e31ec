import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../cli-error.js';

export const LOCK_FILE = '.lock';

/**
 * Prepares a run's `--out` folder before the first training step: creates it, proves it is
 * writable by taking an exclusive lock (`OUT/.lock`, holding the PID; a lock left by a process
 * that no longer runs is taken over, with a message), and removes unfinished checkpoint
 * folders (`.checkpoint-*`) of earlier runs — under the lock, no other process can be writing
 * one. Returns the function that releases the lock.
 */
export function claimOutDir(out: string, say: (line: string) => void): () => void {
  try {
    // non-recursive when the parent exists: Node 20's recursive mkdir never returns under /proc
    if (!existsSync(out)) mkdirSync(out, { recursive: !existsSync(dirname(out)) });
  } catch (error) {
    throw outProblem(out, error);
  }
  if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out}: a file is in the way, expected a folder`);
  const lockPath = join(out, LOCK_FILE);
  takeLock(lockPath, out, say);
  const stale = readdirSync(out).filter((name) => name.startsWith('.checkpoint-'));
  for (const name of stale) rmSync(join(out, name), { recursive: true, force: true });
  if (stale.length) say(`removed ${stale.length} unfinished checkpoint folder(s) of an interrupted run in ${out}`);
  return () => {
    try {
      if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
    } catch {
      // already gone: nothing to release
    }
  };
}

function takeLock(lockPath: string, out: string, say: (line: string) => void): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw outProblem(out, error);
      const holder = Number.parseInt(readLock(lockPath), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder))
        throw new UsageError(
          `--out ${out} is in use by process ${holder} (${lockPath}); wait for it to finish or choose another --out`,
        );
      say(
        `taking over ${lockPath}: process ${Number.isInteger(holder) ? holder : '?'} that held it is no longer running`,
      );
      rmSync(lockPath, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return;
  }
  throw new UsageError(`--out ${out}: another process took ${lockPath} at the same moment; choose another --out`);
}

function readLock(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function outProblem(out: string, error: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST' || code === 'ENOTDIR')
    return new UsageError(`--out ${out}: a file is in the way, expected a folder`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new UsageError(`--out ${out}: not writable (${code})`);
  return new UsageError(`--out ${out}: cannot be used (${code ?? (error as Error).message})`);
}
