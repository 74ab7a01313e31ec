/**
 * Crafted safetensors files: each a way a file can be malformed or hostile, with the problem
 * the reader must report. Used in-process and through the CLI.
 */

/** A file from a header (JSON text or value), data bytes, and optionally a forged length prefix. */
export function craft(header: unknown, data: Uint8Array = new Uint8Array(0), lengthPrefix?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthPrefix ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (name: string, shape: number[], begin: number) => ({
  [name]: { dtype: 'F32', shape, data_offsets: [begin, begin + 4 * shape.reduce((n, d) => n * d, 1)] },
});

export interface CraftedCase {
  name: string;
  bytes: Uint8Array;
  /** What the error must say (after the file's path). */
  problem: RegExp;
}

export const CRAFTED: CraftedCase[] = [
  { name: 'empty file', bytes: new Uint8Array(0), problem: /truncated: 0 bytes/ },
  { name: 'shorter than the length prefix', bytes: new Uint8Array(5), problem: /truncated: 5 bytes/ },
  {
    name: 'header length beyond the file',
    bytes: craft({}, new Uint8Array(0), 1000n),
    problem: /header claims 1000 bytes but the file holds only 2/,
  },
  {
    name: 'header length of 2^64 - 1',
    bytes: craft({}, new Uint8Array(0), 2n ** 64n - 1n),
    problem: /header claims 18446744073709551615 bytes/,
  },
  { name: 'header not JSON', bytes: craft('{"a": '), problem: /bad header: not valid UTF-8 JSON/ },
  {
    name: 'header not UTF-8',
    bytes: (() => {
      const b = craft('{"a":1}');
      b[10] = 0xff;
      return b;
    })(),
    problem: /bad header: not valid UTF-8 JSON/,
  },
  { name: 'header a JSON array', bytes: craft([]), problem: /bad header: expected a JSON object/ },
  {
    name: 'unknown dtype',
    bytes: craft({ a: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
    problem: /tensor 'a': unsupported dtype "F8"/,
  },
  {
    name: 'negative dimension',
    bytes: craft({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)),
    problem: /tensor 'a': shape must be a list of non-negative integers/,
  },
  {
    name: 'fractional offset',
    bytes: craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4.5] } }, new Uint8Array(4)),
    problem: /data_offsets must be two non-negative integers/,
  },
  {
    name: 'offsets outside the data',
    bytes: craft(f32('a', [4], 0), new Uint8Array(8)),
    problem: /tensor 'a': data_offsets \[0, 16\) fall outside the 8-byte data section/,
  },
  {
    name: 'offsets disagree with the shape',
    bytes: craft({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
    problem: /tensor 'a': F32 \[3\] needs 12 bytes but data_offsets span 8/,
  },
  {
    name: 'overlapping tensors',
    bytes: craft({ ...f32('a', [2], 0), ...f32('b', [2], 4) }, new Uint8Array(12)),
    problem: /tensors 'a' \[0, 8\) and 'b' \[4, 12\) overlap/,
  },
  {
    name: 'a hole between tensors',
    bytes: craft({ ...f32('a', [1], 0), ...f32('b', [1], 8) }, new Uint8Array(12)),
    problem: /bytes \[4, 8\) of the data section belong to no tensor/,
  },
  {
    name: 'trailing bytes',
    bytes: craft(f32('a', [1], 0), new Uint8Array(4 + 100)),
    problem: /100 trailing bytes after the last tensor/,
  },
  {
    name: 'duplicate keys',
    bytes: craft(
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      new Uint8Array(4),
    ),
    problem: /bad header: key "a" appears more than once/,
  },
  {
    name: '__metadata__ with a number',
    bytes: craft({ __metadata__: { format: 1 } }),
    problem: /__metadata__\.format must be a string/,
  },
  {
    name: 'I64 beyond int32',
    bytes: (() => {
      const data = new Uint8Array(8);
      new DataView(data.buffer).setBigInt64(0, 2n ** 40n, true);
      return craft({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data);
    })(),
    problem: /tensor 'a': I64 value 1099511627776 at index 0 does not fit/,
  },
];
