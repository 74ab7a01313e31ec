import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { seedArb } from '../../../test/support/arbitraries.js';

/**
 * matmulAdd(a, b, c) is a b + c with the same bits as add(matmul(a, b), c) — on cpu-fast it adds
 * c as each row of the product is stored (every matmul plan: the register-tiled JavaScript kernel,
 * WebAssembly blocks, small batches side by side, few-column units), elsewhere it composes.
 */
const addendShapes = (batch: number[], m: number, n: number) =>
  fc.constantFrom(
    [n], // a bias
    [m, n],
    [...batch, m, n], // an output of the same shape (LoRA's base output)
    [m, 1],
    [1],
  );

const caseArb = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    m: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 60, max: 140 })),
    k: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 30, max: 300 })),
    n: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 60, max: 140 })),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    sharedB: fc.boolean(), // b 2-D against a batched a (a Linear's weight: the batch is folded)
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
  })
  .chain((c) => addendShapes(c.batch, c.m, c.n).map((cShape) => ({ ...c, cShape })));

function sample(
  c: {
    batch: number[];
    m: number;
    k: number;
    n: number;
    transposeA: boolean;
    transposeB: boolean;
    sharedB: boolean;
    dtype: T.FloatDType;
    cShape: readonly number[];
  },
  backend: string,
  seed: number,
) {
  const rng = new T.Rng(seed);
  const options = { dtype: c.dtype, rng, backend };
  const make = (rows: number, cols: number, transpose: boolean, batch: number[]) =>
    transpose
      ? T.uniform([...batch, cols, rows], -2, 2, options).transpose()
      : T.uniform([...batch, rows, cols], -2, 2, options);
  const a = make(c.m, c.k, c.transposeA, c.batch);
  const b = make(c.k, c.n, c.transposeB, c.sharedB ? [] : c.batch);
  const addend = T.uniform(c.cShape, -2, 2, options);
  return { a, b, addend };
}

describe('matmulAdd', () => {
  it('gives the bits of add(matmul(a, b), c) on cpu-fast and on the specification backend, for every matmul plan', () => {
    fc.assert(
      fc.property(caseArb, seedArb, (c, seed) => {
        for (const backend of ['cpu-fast', 'cpu']) {
          const { a, b, addend } = sample(c, backend, seed);
          const fused = T.matmulAdd(a, b, addend);
          const composed = T.add(T.matmul(a, b), addend);
          expect(fused.shape).toEqual(composed.shape);
          expect(fused.dataSync()).toEqual(composed.dataSync());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('adds c to the right columns when b is split into column blocks (k·n beyond the packing budget)', () => {
    const c = {
      batch: [],
      m: 5,
      k: 4100,
      n: 1030,
      transposeA: false,
      transposeB: true,
      sharedB: false,
      dtype: 'float32' as const,
      cShape: [5, 1030],
    };
    const { a, b, addend } = sample(c, 'cpu-fast', 3);
    expect(T.matmulAdd(a, b, addend).dataSync()).toEqual(T.add(T.matmul(a, b), addend).dataSync());
  });

  it.each([
    ['few columns over batches (units of rows)', { m: 130, k: 50, n: 12 }],
    ['batches in blocks', { m: 150, k: 40, n: 90 }],
    ['small batches side by side', { m: 20, k: 40, n: 30 }],
    ['small batches in several groups (each ~17 MiB packed, float32)', { m: 100, k: 40000, n: 8 }],
  ])('adds each batch its own c: %s', (_, size) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const c = {
        batch: [3],
        ...size,
        transposeA: false,
        transposeB: false,
        sharedB: false,
        dtype,
        cShape: [3, size.m, size.n],
      };
      const { a, b, addend } = sample(c, 'cpu-fast', 5);
      expect(T.matmulAdd(a, b, addend).dataSync()).toEqual(T.add(T.matmul(a, b), addend).dataSync());
    }
  });

  it('is the same on 1, 2 and 3 threads', () => {
    const before = T.getNumThreads();
    const c = {
      batch: [2],
      m: 130,
      k: 200,
      n: 100,
      transposeA: true,
      transposeB: false,
      sharedB: true,
      dtype: 'float32' as const,
      cShape: [2, 130, 100],
    };
    try {
      const results = [1, 2, 3].map((threads) => {
        T.setNumThreads(threads);
        const { a, b, addend } = sample(c, 'cpu-fast', 7);
        return T.matmulAdd(a, b, addend).dataSync();
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    } finally {
      T.setNumThreads(before);
    }
  });

  it('leaves to add a c that broadcasts the product up, and names the operands when they do not fit', () => {
    const a = T.ones([2, 3]);
    const b = T.ones([3, 4]);
    expect(T.matmulAdd(a, b, T.zeros([5, 2, 4])).shape).toEqual([5, 2, 4]);
    expect(() => T.matmulAdd(a, T.ones([2, 4]), T.zeros([4]))).toThrow(/matmulAdd.*inner dimensions differ/);
    expect(() => T.matmulAdd(a, b, T.zeros([3]))).toThrow(/\[2, 4\].*\[3\]|\[3\].*\[2, 4\]/);
  });
});
