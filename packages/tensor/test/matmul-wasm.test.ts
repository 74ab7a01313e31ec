import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { matmulWasm } from '../src/backend/cpu/wasm/matmul-wasm.js';
import { foldBroadcastBatch } from '../src/backend/cpu/matmul-fast.js';
import type { View } from '../src/backend/backend.js';
import { wasmGemm } from '../src/backend/cpu/wasm/gemm-runtime.js';
import { signed, unsigned } from '../src/backend/cpu/wasm/encoding.js';
import { seedArb } from '../../../test/support/arbitraries.js';

/**
 * The WebAssembly SIMD matmul of cpu-fast, called directly (cpu-fast only routes products of at
 * least 32³ multiply-adds to it), against the specification backend: results must be equal to
 * the last bit, whatever the shapes, strides, dtype and block boundaries.
 */
const gemm = wasmGemm();
if (!gemm)
  console.warn(
    'matmul-wasm.test: WebAssembly SIMD is unavailable in this runtime; cpu-fast falls back to its JavaScript kernel and these tests are skipped',
  );

type Case = {
  batch: number[];
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  dtype: T.FloatDType;
};

function operands(c: Case, seed: number, backend: string) {
  const make = (rows: number, cols: number, transpose: boolean, s: number) => {
    const t = T.uniform(transpose ? [...c.batch, cols, rows] : [...c.batch, rows, cols], -2, 2, {
      dtype: c.dtype,
      rng: new T.Rng(s),
      backend,
    });
    return transpose ? t.transpose() : t;
  };
  return [make(c.m, c.k, c.transposeA, seed), make(c.k, c.n, c.transposeB, seed + 1)] as const;
}

function expectSpecification(c: Case, seed: number): void {
  const [a, b] = operands(c, seed, 'cpu');
  const expected = T.matmul(a, b).dataSync();
  const actual = matmulWasm(gemm!, a.expand([...c.batch, c.m, c.k]), b.expand([...c.batch, c.k, c.n]));
  expect(actual.constructor).toBe(expected.constructor);
  expect(actual).toEqual(expected);
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  m: fc.integer({ min: 1, max: 40 }),
  k: fc.integer({ min: 0, max: 300 }),
  n: fc.integer({ min: 1, max: 40 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  dtype: fc.constantFrom('float32' as const, 'float64' as const),
});

describe.skipIf(!gemm)('the WebAssembly SIMD matmul', () => {
  it('is bit-identical to the specification on random shapes, strides and dtypes', () => {
    fc.assert(
      fc.property(caseArb, seedArb, (c, seed) => expectSpecification(c, seed)),
      { numRuns: 60 },
    );
  });

  it.each([
    ['several depth slabs (k > 256)', { m: 9, k: 700, n: 7 }],
    ['several row blocks (m > 128)', { m: 263, k: 33, n: 10 }],
    ['several column blocks of b (k·n·8 B > 16 MiB)', { m: 5, k: 4100, n: 530 }],
    ['row blocks shrunk by a long k (104 rows of k = 20000 fill 16 MiB)', { m: 120, k: 20000, n: 6 }],
    ['an empty sum (k = 0)', { m: 6, k: 0, n: 5 }],
    ['blocks big enough to be split between threads', { m: 200, k: 300, n: 150 }],
  ])('is bit-identical across block boundaries: %s', (_, size) => {
    expectSpecification({ batch: [], transposeA: false, transposeB: true, dtype: 'float32', ...size }, 11);
  });

  it.each([
    ['batches in blocks', { batch: [2], m: 150, k: 280, n: 170, dtype: 'float32' as const }],
    [
      'small batches packed side by side (attention heads)',
      { batch: [3, 4], m: 40, k: 64, n: 72, dtype: 'float32' as const },
    ],
    ['small float64 batches', { batch: [5], m: 30, k: 90, n: 20, dtype: 'float64' as const }],
    ['few columns, units of rows (LoRA rank r)', { batch: [], m: 300, k: 300, n: 12, dtype: 'float32' as const }],
    ['few float64 columns over batches', { batch: [2], m: 260, k: 300, n: 9, dtype: 'float64' as const }],
  ])('gives the same bits on 1, 2 and 3 threads: %s', (_, size) => {
    const before = T.getNumThreads();
    const c: Case = { ...size, transposeA: true, transposeB: false };
    const full = (t: T.Tensor, rows: number, cols: number) => t.expand([...c.batch, rows, cols]);
    try {
      const results = [1, 2, 3].map((threads) => {
        T.setNumThreads(threads);
        expect(T.getNumThreads()).toBe(threads);
        const [a, b] = operands(c, 5, 'cpu');
        return matmulWasm(gemm!, full(a, c.m, c.k), full(b, c.k, c.n));
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
      const [a, b] = operands(c, 5, 'cpu');
      expect(results[0]).toEqual(T.matmul(a, b).dataSync());
    } finally {
      T.setNumThreads(before);
    }
  });

  it('reads a float32 a in place in few-column products: row-major, transposed, or a slice of either', () => {
    const skinnyArb = fc.record({
      batch: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 }),
      m: fc.integer({ min: 65, max: 200 }), // more than one unit of rows
      k: fc.integer({ min: 1, max: 300 }),
      n: fc.integer({ min: 1, max: 64 }), // at most one chunk of column panels
      transposeA: fc.boolean(),
      sliced: fc.boolean(), // a's lines further apart than their length
      threads: fc.integer({ min: 1, max: 3 }),
    });
    const before = T.getNumThreads();
    try {
      fc.assert(
        fc.property(skinnyArb, seedArb, (c, seed) => {
          T.setNumThreads(c.threads);
          const [rows, columns] = c.transposeA ? [c.k, c.m] : [c.m, c.k];
          const rng = new T.Rng(seed);
          const wide = T.uniform([...c.batch, rows, columns + (c.sliced ? 3 : 0)], -2, 2, { rng, backend: 'cpu' });
          const lines = c.sliced
            ? wide.slice([...c.batch.map(() => null), null, { start: 1, stop: columns + 1 }])
            : wide;
          const a = c.transposeA ? lines.transpose() : lines;
          const b = T.uniform([c.k, c.n], -2, 2, { rng, backend: 'cpu' }).expand([...c.batch, c.k, c.n]);
          expect(matmulWasm(gemm!, a, b)).toEqual(T.matmul(a, b).dataSync());
        }),
        { numRuns: 40 },
      );
    } finally {
      T.setNumThreads(before);
    }
  });

  it('refuses a thread count that is not a positive integer', () => {
    expect(() => T.setNumThreads(0)).toThrow('setNumThreads: expected a positive integer, got 0');
    expect(() => T.setNumThreads(1.5)).toThrow(/positive integer, got 1.5/);
  });

  it('takes its thread count from LORAFA_THREADS, and says so when the setting is malformed', () => {
    const threadsWith = (setting: string) => {
      const script = "import('@lorafa/tensor').then((T) => console.log(T.getNumThreads()))";
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, LORAFA_THREADS: setting },
      });
      return { threads: Number(run.stdout.trim()), stderr: run.stderr };
    };
    expect(threadsWith('3')).toEqual({ threads: 3, stderr: '' });
    const malformed = threadsWith('many');
    expect(malformed.stderr).toContain(
      `LORAFA_THREADS='many' is not a positive integer; using ${malformed.threads} thread(s)`,
    );
    expect(malformed.threads).toBeGreaterThanOrEqual(1);
  });

  it('propagates NaN and infinities as the specification does, next to zero-padded panel rows and columns', () => {
    const values = (length: number, seed: number) => {
      const rng = new T.Rng(seed);
      return Array.from(
        { length },
        () => [Number.NaN, Infinity, -Infinity, 0, 1e38][Math.floor(rng.nextFloat64() * 12)] ?? rng.nextFloat64() - 0.5,
      );
    };
    const [m, k, n] = [7, 33, 9];
    const a = T.fromFlat(values(m * k, 1), [m, k], { backend: 'cpu' });
    const b = T.fromFlat(values(k * n, 2), [k, n], { backend: 'cpu' });
    expect(matmulWasm(gemm!, a, b)).toEqual(T.matmul(a, b).dataSync());
  });

  it('is what cpu-fast runs for large products', () => {
    const a = T.uniform([64, 64], -1, 1, { rng: new T.Rng(3), backend: 'cpu-fast' });
    const b = T.uniform([64, 64], -1, 1, { rng: new T.Rng(4), backend: 'cpu-fast' });
    expect(T.matmul(a, b).dataSync()).toEqual(matmulWasm(gemm!, a, b));
  });
});

describe('WebAssembly encoding', () => {
  it('writes LEB128 numbers as the specification examples', () => {
    expect(unsigned(0)).toEqual([0x00]);
    expect(unsigned(127)).toEqual([0x7f]);
    expect(unsigned(128)).toEqual([0x80, 0x01]);
    expect(unsigned(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(signed(-1)).toEqual([0x7f]);
    expect(signed(63)).toEqual([0x3f]);
    expect(signed(64)).toEqual([0xc0, 0x00]);
    expect(signed(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

describe('cpu-fast folds a batch against one shared matrix into a single product', () => {
  const batchArb = fc.record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
    m: fc.integer({ min: 1, max: 40 }),
    k: fc.integer({ min: 1, max: 70 }),
    n: fc.integer({ min: 1, max: 40 }),
    transposeB: fc.boolean(),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
  });

  it('is bit-identical to the specification for a [..., m, k] input against a broadcast [k, n] weight', () => {
    fc.assert(
      fc.property(batchArb, seedArb, (c, seed) => {
        const make = (backend: string) => {
          const rng = new T.Rng(seed);
          const a = T.uniform([...c.batch, c.m, c.k], -2, 2, { dtype: c.dtype, rng, backend });
          const w = T.uniform(c.transposeB ? [c.n, c.k] : [c.k, c.n], -2, 2, { dtype: c.dtype, rng, backend });
          return T.matmul(a, c.transposeB ? w.transpose() : w);
        };
        expect(make('cpu-fast').dataSync()).toEqual(make('cpu').dataSync());
      }),
      { numRuns: 60 },
    );
  });

  it('folds only when the batch axes step over whole rows of a and b is shared', () => {
    const view = (t: T.Tensor): View => ({ storage: t.storage, shape: t.shape, strides: t.strides, offset: t.offset });
    const a = T.zeros([3, 5, 4]);
    const w = T.zeros([4, 2]).expand([3, 4, 2]);
    const folded = foldBroadcastBatch(view(a), view(w));
    expect(folded?.map((v) => [v.shape, v.strides])).toEqual([
      [
        [15, 4],
        [4, 1],
      ],
      [
        [4, 2],
        [2, 1],
      ],
    ]);
    expect(foldBroadcastBatch(view(a.permute([1, 0, 2])), view(w))).toBeNull(); // batch axis not over whole rows
    expect(foldBroadcastBatch(view(a), view(T.zeros([3, 4, 2])))).toBeNull(); // a b per batch
    expect(foldBroadcastBatch(view(T.zeros([5, 4])), view(T.zeros([4, 2])))).toBeNull(); // no batch
  });
});
