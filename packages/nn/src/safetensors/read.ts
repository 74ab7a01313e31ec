import type * as T from '@lorafa/tensor';
import { decodeTensor } from './decode.js';
import type { SafetensorsDType } from './dtypes.js';
import type { Header } from './header.js';
import { parseHeader, readHeaderLength } from './header.js';

/** What a parsed safetensors file holds: its tensors, their stored dtypes and the header metadata. */
export interface SafetensorsContents {
  /** Tensors by key (a record without a prototype: a key like `__proto__` is just a key). */
  tensors: Record<string, T.Tensor>;
  /** The stored dtype of each tensor (F16/BF16 are read into float32). */
  storedDTypes: Record<string, SafetensorsDType>;
  /** The header's `__metadata__` string map (empty if absent). */
  metadata: Record<string, string>;
}

/** Parses a safetensors file held in memory. `source` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.length, source);
  const data = bytes.subarray(8 + headerLength);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), data.length, source);
  return decodeEntries(header, (entry) => data.subarray(entry.begin, entry.end), source);
}

/**
 * Decodes every tensor of a validated header, fetching each one's bytes on demand, so a
 * reader that fetches from a file holds at most one tensor's raw bytes at a time.
 */
export function decodeEntries(
  header: Header,
  bytesOf: (entry: Header['entries'][number]) => Uint8Array,
  source: string,
): SafetensorsContents {
  const tensors: Record<string, T.Tensor> = Object.create(null);
  const storedDTypes: Record<string, SafetensorsDType> = Object.create(null);
  for (const entry of header.entries) {
    tensors[entry.name] = decodeTensor(entry, bytesOf(entry), source);
    storedDTypes[entry.name] = entry.dtype;
  }
  return { tensors, storedDTypes, metadata: header.metadata };
}
