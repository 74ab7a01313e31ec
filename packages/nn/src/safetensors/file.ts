import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { TensorEntry, Header } from './header.js';
import { parseHeader, readHeaderLength, SafetensorsError } from './header.js';
import type { SafetensorsContents } from './read.js';
import { decodeEntries } from './read.js';
import type { TensorToWrite } from './write.js';
import { serializeSafetensors } from './write.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** Node's positioned reads take at most 2 GiB at a time; read larger tensors in pieces. */
const MAX_READ_BYTES = 2 ** 30;

/** An open safetensors file whose header has been read and validated; tensors are read on demand. */
export interface SafetensorsReader {
  readonly path: string;
  readonly header: Header;
  /** The raw bytes of one tensor, read at its offset (a fresh buffer of `end - begin` bytes). */
  bytesOf(entry: TensorEntry): Uint8Array;
  close(): void;
}

/**
 * Opens a safetensors file and validates its header against the file's size before anything
 * else is read: the header length, the JSON, every entry's dtype, shape and offsets, and that
 * the tensors tile the data section exactly. Nothing of the data section is read yet.
 */
export function openSafetensors(path: string): SafetensorsReader {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    readFully(fd, prefix.subarray(0, Math.min(8, size)), 0, path);
    const headerLength = readHeaderLength(prefix, size, path);
    const json = new Uint8Array(headerLength);
    readFully(fd, json, 8, path);
    const dataStart = 8 + headerLength;
    const header = parseHeader(json, size - dataStart, path);
    return {
      path,
      header,
      bytesOf(entry) {
        const bytes = new Uint8Array(entry.end - entry.begin);
        readFully(fd, bytes, dataStart + entry.begin, path);
        return bytes;
      },
      close: () => closeSync(fd),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Reads `into.length` bytes at `position`, looping over short reads. */
function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.length) {
    const wanted = Math.min(into.length - done, MAX_READ_BYTES);
    const got = readSync(fd, into, done, wanted, position + done);
    if (got === 0)
      throw new SafetensorsError(path, `truncated: expected ${into.length} bytes at offset ${position}, got ${done}`);
    done += got;
  }
}

/**
 * Reads a safetensors file: the header first (validated against the file size), then each
 * tensor at its offset, so peak memory is the decoded tensors plus one tensor's raw bytes,
 * never a buffer of the whole file. Every problem names the file.
 */
export function readSafetensorsFile(path: string): SafetensorsContents {
  const reader = openSafetensors(path);
  try {
    return decodeEntries(reader.header, (entry) => reader.bytesOf(entry), path);
  } finally {
    reader.close();
  }
}

/** Writes a safetensors file atomically: a temporary file in the same folder, then a rename. */
export function writeSafetensorsFile(
  path: string,
  tensors: Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
