import type { Stats } from 'node:fs';
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../cli-error.js';

/** Text files larger than this are refused (the whole corpus is tokenized in memory). */
export const MAX_TEXT_BYTES = 2 ** 30;

/**
 * Reads a user's text file as UTF-8. A path that is missing, a folder or too large is a usage
 * error naming the flag and the path. Invalid UTF-8 is replaced with U+FFFD, and the returned
 * `replacedBytes` says how many bytes were (so the caller can warn): a corpus of binary garbage
 * would otherwise train silently.
 */
export function readTextFile(path: string, flag: string): { text: string; replacedBytes: number } {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new UsageError(`${flag}: no such file: ${path}`);
  }
  if (!stat.isFile())
    throw new UsageError(`${flag}: ${path} is ${stat.isDirectory() ? 'a folder' : 'not a file'}, expected a file`);
  if (stat.size > MAX_TEXT_BYTES)
    throw new UsageError(`${flag}: ${path} holds ${stat.size} bytes, over the ${MAX_TEXT_BYTES}-byte limit`);
  const bytes = readFileSync(path);
  const text = new TextDecoder('utf-8').decode(bytes);
  return { text, replacedBytes: invalidUtf8Bytes(bytes) };
}

/**
 * The number of bytes that are not part of a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 */
export function invalidUtf8Bytes(bytes: Uint8Array): number {
  let invalid = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) {
      invalid++;
      i++;
      continue;
    }
    let ok = i + length <= bytes.length;
    for (let k = 1; ok && k < length; k++) {
      const c = bytes[i + k]!;
      const [low, high] =
        k === 1 && b === 0xe0
          ? [0xa0, 0xbf] // no overlong 3-byte forms
          : k === 1 && b === 0xed
            ? [0x80, 0x9f] // no surrogates
            : k === 1 && b === 0xf0
              ? [0x90, 0xbf] // no overlong 4-byte forms
              : k === 1 && b === 0xf4
                ? [0x80, 0x8f] // nothing above U+10FFFF
                : [0x80, 0xbf];
      ok = c >= low && c <= high;
    }
    if (ok) i += length;
    else {
      invalid++;
      i++;
    }
  }
  return invalid;
}
