import type { SafetensorsDType } from './dtypes.js';
import { isSafetensorsDType, SAFETENSORS_DTYPES } from './dtypes.js';

/** One tensor's entry in a safetensors header, offsets relative to the data section. */
export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed safetensors header: the tensor entries and the `__metadata__` strings. */
export interface Header {
  entries: TensorEntry[];
  metadata: Record<string, string>;
}

/** A safetensors file is: u64 little-endian header length N, N bytes of JSON, then data. */
export const MAX_HEADER_BYTES = 100 * 2 ** 20;

/** A malformed or unsupported safetensors file; the message is prefixed with the source's name. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
  }
}

/**
 * Reads the header length and checks it against the file size before anything else is
 * allocated, so a corrupt length cannot make us allocate a huge buffer.
 */
export function readHeaderLength(prefix: Uint8Array, fileBytes: number, source: string): number {
  if (fileBytes < 8)
    throw new SafetensorsError(
      source,
      `truncated: ${fileBytes} bytes, but a safetensors file starts with an 8-byte header length`,
    );
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(fileBytes - 8)) {
    throw new SafetensorsError(
      source,
      `header claims ${length} bytes but the file holds only ${fileBytes - 8} after the length prefix (truncated or not a safetensors file)`,
    );
  }
  if (length > BigInt(MAX_HEADER_BYTES))
    throw new SafetensorsError(source, `header of ${length} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  return Number(length);
}

/**
 * Parses and validates the JSON header against the size of the data section. The format
 * requires the data section to be fully indexed: the tensors, sorted by offset, must tile it
 * exactly, with no hole, no overlap and no trailing bytes. Duplicate keys are rejected (JSON.parse
 * would silently keep the last).
 */
export function parseHeader(json: Uint8Array, dataBytes: number, source: string): Header {
  let text: string;
  let raw: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
    raw = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(source, `bad header: not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SafetensorsError(source, 'bad header: expected a JSON object');
  const keys = topLevelKeys(text);
  const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
  if (duplicate !== undefined)
    throw new SafetensorsError(source, `bad header: key ${JSON.stringify(duplicate)} appears more than once`);
  const metadata: Record<string, string> = Object.create(null);
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new SafetensorsError(source, 'bad header: __metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(source, `bad header: __metadata__.${k} must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, value, dataBytes, source));
  }
  checkTiling(entries, dataBytes, source);
  return { entries, metadata };
}

/** The tensors, sorted by offset, must cover [0, dataBytes) exactly. */
function checkTiling(entries: readonly TensorEntry[], dataBytes: number, source: string): void {
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: TensorEntry | undefined;
  for (const current of byOffset) {
    if (current.begin < covered) {
      throw new SafetensorsError(
        source,
        `tensors '${previous!.name}' [${previous!.begin}, ${previous!.end}) and '${current.name}' [${current.begin}, ${current.end}) overlap`,
      );
    }
    if (current.begin > covered) {
      throw new SafetensorsError(
        source,
        `bytes [${covered}, ${current.begin}) of the data section belong to no tensor (the format requires it fully indexed)`,
      );
    }
    covered = current.end;
    previous = current;
  }
  if (covered !== dataBytes) {
    throw new SafetensorsError(
      source,
      `${dataBytes - covered} trailing bytes after the last tensor (the data section holds ${dataBytes} bytes, the tensors end at ${covered})`,
    );
  }
}

/** The keys of a JSON text's top-level object, in order, duplicates kept (the text is valid JSON). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t') k++;
        if (text[k] === ':') keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

function parseEntry(name: string, value: unknown, dataBytes: number, source: string): TensorEntry {
  const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof value !== 'object' || value === null)
    throw new SafetensorsError(source, `tensor '${name}': entry must be an object`);
  if (!isSafetensorsDType(entry.dtype)) {
    throw new SafetensorsError(
      source,
      `tensor '${name}': unsupported dtype ${JSON.stringify(entry.dtype)} (supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`,
    );
  }
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(
      source,
      `tensor '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  const offsets = entry.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new SafetensorsError(
      source,
      `tensor '${name}': data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataBytes) {
    throw new SafetensorsError(
      source,
      `tensor '${name}': data_offsets [${begin}, ${end}) fall outside the ${dataBytes}-byte data section`,
    );
  }
  const expected = (shape as number[]).reduce((n, d) => n * d, 1) * SAFETENSORS_DTYPES[entry.dtype];
  if (end - begin !== expected) {
    throw new SafetensorsError(
      source,
      `tensor '${name}': ${entry.dtype} ${JSON.stringify(shape)} needs ${expected} bytes but data_offsets span ${end - begin}`,
    );
  }
  return { name, dtype: entry.dtype, shape: shape as number[], begin, end };
}
