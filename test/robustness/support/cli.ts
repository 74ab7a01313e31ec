/**
 * Runs the `lorafa` CLI as a child process (from the sources, through tsx) and reports its
 * exit code, output, the first line of stderr and its peak RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..', '..');
const CHILD = join(here, 'cli-child.ts');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The first line on stderr ('' if none). */
  firstErrorLine: string;
  /** The child's peak resident set size in bytes (NaN if it died before reporting). */
  peakRssBytes: number;
}

/** Node plus tsx and the CLI's modules take about 140 MiB before any work on this machine. */
export const MiB = 2 ** 20;

/** Runs `node <script> ...args` with the sources resolved (the "source" condition, tsx). */
export function runNode(script: string, args: readonly string[], options: { timeoutMs?: number } = {}) {
  const rssDir = mkdtempSync(join(tmpdir(), 'lorafa-rss-'));
  const rssFile = join(rssDir, 'rss');
  return new Promise<ChildResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...process.env, LORAFA_RSS_FILE: rssFile, LORAFA_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let peakRssBytes = NaN;
      try {
        peakRssBytes = Number(readFileSync(rssFile, 'utf8'));
      } catch {
        // the child died before reporting
      }
      rmSync(rssDir, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr, firstErrorLine: stderr.split('\n')[0] ?? '', peakRssBytes });
    });
  });
}

/** Runs `lorafa ...args` as a child process. */
export function runLorafa(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<ChildResult> {
  return runNode(CHILD, args, options);
}
