import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** SHA-256 of some bytes, as hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a file, read in 16 MiB pieces (never the whole file at once), as hex. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buffer = new Uint8Array(16 * 2 ** 20);
  const fd = openSync(path, 'r');
  try {
    let position = 0;
    for (;;) {
      const got = readSync(fd, buffer, 0, buffer.length, position);
      if (got === 0) break;
      hash.update(buffer.subarray(0, got));
      position += got;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
