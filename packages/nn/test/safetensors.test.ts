import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import {
  bfloat16ToNumber,
  halfToNumber,
  numberToBfloat16,
  numberToHalf,
  parseSafetensors,
  SafetensorsError,
  serializeSafetensors,
} from '@lorafa/nn';
import { openSafetensors, readSafetensorsFile, writeSafetensorsFile } from '@lorafa/nn/node';

const folder = () => mkdtempSync(join(tmpdir(), 'lorafa-st-'));

/** Builds a file by hand: header JSON and raw data bytes. */
function handmade(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32, F64, I32 and metadata exactly; F16/BF16 round to nearest even', () => {
    const tensors = {
      a: T.tensor([
        [1.5, -2],
        [3.25, 1e-3],
      ]),
      b: T.tensor([Math.PI], { dtype: 'float64' }),
      c: T.tensor([7, -9], { dtype: 'int32' }),
      half: { tensor: T.tensor([1, 0.1, 65504, 1e-7]), dtype: 'F16' as const },
      brain: { tensor: T.tensor([1, 0.1, 3e38]), dtype: 'BF16' as const },
      long: { tensor: T.tensor([5, -3], { dtype: 'int32' }), dtype: 'I64' as const },
    };
    const bytes = serializeSafetensors(tensors, { format: 'pt' });
    const { tensors: back, metadata, storedDTypes } = parseSafetensors(bytes, 'roundtrip');
    expect(metadata).toEqual({ format: 'pt' });
    expect(back['a']!.arraySync()).toEqual(tensors.a.arraySync());
    expect(back['b']!.item()).toBe(Math.PI);
    expect(back['c']!.dtype).toBe('int32');
    expect(back['long']!.arraySync()).toEqual([5, -3]);
    expect(storedDTypes).toMatchObject({ half: 'F16', brain: 'BF16', long: 'I64' });
    expect([...back['half']!.dataSync()]).toEqual([1, 0.0999755859375, 65504, 1.1920928955078125e-7]);
    expect([...back['brain']!.dataSync()]).toEqual([1, 0.10009765625, 3.00405527047391e38]);
    expect((8 + new DataView(bytes.buffer).getUint32(0, true)) % 8).toBe(0); // header padded to 8 bytes
  });

  it('converts half and bfloat16 bit patterns', () => {
    expect(numberToHalf(1)).toBe(0x3c00);
    expect(numberToHalf(-2)).toBe(0xc000);
    expect(numberToHalf(65520)).toBe(0x7c00); // rounds up to infinity
    expect(numberToHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(numberToHalf(2 ** -25)).toBe(0x0000); // a tie rounds to even (zero)
    expect(halfToNumber(0x3555)).toBeCloseTo(0.333251953125, 15);
    expect(Number.isNaN(halfToNumber(numberToHalf(NaN)))).toBe(true);
    expect(numberToBfloat16(1)).toBe(0x3f80);
    expect(bfloat16ToNumber(0x4049)).toBe(3.140625);
    expect(Number.isNaN(bfloat16ToNumber(numberToBfloat16(NaN)))).toBe(true);
  });

  it('reads the PyTorch fixture (written by Python, F32 and metadata)', () => {
    const { tensors, metadata } = readSafetensorsFile('test/fixtures/peft/mlp-lorafa.safetensors');
    expect(tensors['x']!.shape).toEqual([8, 12]);
    expect(JSON.parse(metadata['manifest']!).kind).toBe('mlp-lorafa');
  });

  it('writes atomically, leaving no temporary file', () => {
    const dir = folder();
    const path = join(dir, 'weights.safetensors');
    writeSafetensorsFile(path, { w: T.ones([2, 2]) });
    writeSafetensorsFile(path, { w: T.zeros([2, 2]) });
    expect(readdirSync(dir)).toEqual(['weights.safetensors']);
    expect(readSafetensorsFile(path).tensors['w']!.arraySync()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  describe('refuses bad files with an error naming the file and the problem', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['a file shorter than the length prefix', new Uint8Array(5), /bad\.st: truncated: 5 bytes/],
      [
        'a header longer than the file (refused before allocating)',
        handmade({}, new Uint8Array(0), 2n ** 62n),
        /bad\.st: header claims 4611686018427387904 bytes but the file holds only 2/,
      ],
      [
        'a header that is not JSON',
        (() => {
          const b = handmade({ a: 1 });
          b[8] = 0x7a;
          return b;
        })(),
        /bad\.st: bad header: not valid UTF-8 JSON/,
      ],
      [
        'an unknown dtype',
        handmade({ x: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
        /bad\.st: tensor 'x': unsupported dtype "C64"/,
      ],
      [
        'offsets beyond the data',
        handmade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)),
        /bad\.st: tensor 'x': data_offsets \[0, 8\) fall outside the 4-byte data section/,
      ],
      [
        'a size that does not match the shape',
        handmade({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
        /tensor 'x': F32 \[3\] needs 12 bytes but data_offsets span 8/,
      ],
      [
        'overlapping tensors',
        handmade(
          {
            x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          new Uint8Array(12),
        ),
        /tensors 'x' \[0, 8\) and 'y' \[4, 12\) overlap/,
      ],
      [
        'a bad shape',
        handmade({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }),
        /tensor 'x': shape must be a list of non-negative integers/,
      ],
      [
        'an I64 value beyond int32',
        handmade({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0])),
        /tensor 'x': I64 value 4294967296 at index 0 does not fit/,
      ],
    ];
    it.each(cases)('%s', (_name, bytes, message) => {
      expect(() => parseSafetensors(bytes, 'bad.st')).toThrow(SafetensorsError);
      expect(() => parseSafetensors(bytes, 'bad.st')).toThrow(message);
      const path = join(folder(), 'bad.st');
      writeFileSync(path, bytes);
      expect(() => readSafetensorsFile(path)).toThrow(message);
    });
  });

  it('writes files a plain reader of the format understands (checked against the layout by hand)', () => {
    const bytes = serializeSafetensors({ w: T.tensor([1, 2]) });
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    expect(header).toEqual({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    expect(new Float32Array(bytes.slice(8 + length).buffer)).toEqual(new Float32Array([1, 2]));
  });

  it('openSafetensors validates the header first and reads one tensor at its offset', () => {
    const path = join(folder(), 'two.st');
    writeSafetensorsFile(path, { a: T.tensor([1, 2, 3]), b: T.tensor([[4, 5]], { dtype: 'float64' }) });
    const reader = openSafetensors(path);
    try {
      expect(reader.header.entries.map((e) => [e.name, e.begin, e.end])).toEqual([
        ['a', 0, 12],
        ['b', 12, 28],
      ]);
      const b = reader.bytesOf(reader.header.entries[1]!);
      expect(b.length).toBe(16);
      expect([...new Float64Array(b.slice().buffer)]).toEqual([4, 5]);
    } finally {
      reader.close();
    }
  });
});
