import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type * as T from '@lorafa/tensor';
import { decodeTensor } from './decode.js';
import type { SafetensorsDType } from './dtypes.js';
import { parseHeader, readHeaderLength } from './header.js';

export interface SafetensorsContents {
  tensors: Record<string, T.Tensor>;
  /** The stored dtype of each tensor (F16/BF16 are read into float32). */
  storedDTypes: Record<string, SafetensorsDType>;
  metadata: Record<string, string>;
}

/** Parses a safetensors file held in memory. `source` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.length, source);
  const data = bytes.subarray(8 + headerLength);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), data.length, source);
  return decodeAll(header.entries, data, header.metadata, source);
}

/**
 * Reads a safetensors file. The header length is checked against the file size before the
 * header or data are allocated; every problem names the file.
 */
export function readSafetensorsFile(path: string): SafetensorsContents {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    readSync(fd, prefix, 0, Math.min(8, size), 0);
    const headerLength = readHeaderLength(prefix, size, path);
    const json = new Uint8Array(headerLength);
    readSync(fd, json, 0, headerLength, 8);
    const dataBytes = size - 8 - headerLength;
    const header = parseHeader(json, dataBytes, path);
    const data = new Uint8Array(dataBytes);
    if (dataBytes > 0) readSync(fd, data, 0, dataBytes, 8 + headerLength);
    return decodeAll(header.entries, data, header.metadata, path);
  } finally {
    closeSync(fd);
  }
}

function decodeAll(
  entries: ReturnType<typeof parseHeader>['entries'],
  data: Uint8Array,
  metadata: Record<string, string>,
  source: string,
): SafetensorsContents {
  const tensors: Record<string, T.Tensor> = {};
  const storedDTypes: Record<string, SafetensorsDType> = {};
  for (const entry of entries) {
    tensors[entry.name] = decodeTensor(entry, data, source);
    storedDTypes[entry.name] = entry.dtype;
  }
  return { tensors, storedDTypes, metadata };
}
