import * as fs from 'node:fs';

/**
 * The file-system operations a checkpoint write performs, as one small interface, so that
 * tests can substitute a layer that fails or kills the process at any one of them. The
 * default is node:fs.
 */
export interface CheckpointFs {
  mkdirSync(path: string): void;
  openSync(path: string, flags: 'w' | 'r'): number;
  writeSync(fd: number, bytes: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  rmSync(path: string): void;
}

export const nodeCheckpointFs: CheckpointFs = {
  mkdirSync: (path) => fs.mkdirSync(path, { recursive: true }),
  openSync: (path, flags) => fs.openSync(path, flags),
  writeSync: (fd, bytes, offset, length) => fs.writeSync(fd, bytes, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  rmSync: (path) => fs.rmSync(path, { recursive: true, force: true }),
};

/** Writes a whole file and flushes it to the disk before closing it. */
export function writeDurably(io: CheckpointFs, path: string, bytes: Uint8Array): void {
  const fd = io.openSync(path, 'w');
  try {
    let written = 0;
    while (written < bytes.length) written += io.writeSync(fd, bytes, written, bytes.length - written);
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

/** Flushes a folder's entries (new names, renames) to the disk. */
export function syncFolder(io: CheckpointFs, path: string): void {
  const fd = io.openSync(path, 'r');
  try {
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}
