import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { matmulShapesArb, randomTensor, ravelBroadcast, seedArb, unravel } from '../../../test/support/arbitraries.js';
import { expectTensorClose } from '../../../test/support/matchers.js';

/** Reference: a triple loop per batch, batch indices broadcast by hand. */
function referenceMatmul(a: T.Tensor, b: T.Tensor) {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1]!;
  const batch = T.broadcastShapes('ref', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const x = a.dataSync();
  const y = b.dataSync();
  const data: number[] = [];
  for (let flat = 0; flat < T.sizeOf(batch); flat++) {
    const index = unravel(flat, batch);
    const aBase = ravelBroadcast(index, a.shape.slice(0, -2)) * m * k;
    const bBase = ravelBroadcast(index, b.shape.slice(0, -2)) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += x[aBase + i * k + p]! * y[bBase + p * n + j]!;
        data.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], data };
}

describe('the tiled matmul of cpu-fast', () => {
  it('is bit-identical to the specification on random batched, broadcast, transposed and sliced operands', () => {
    fc.assert(
      fc.property(
        matmulShapesArb,
        seedArb,
        fc.boolean(),
        fc.constantFrom('float32' as const, 'float64' as const),
        ([sa, sb], seed, transposeB, dtype) => {
          const on = (backend: string) => {
            const a = T.uniform(sa, -2, 2, { dtype, rng: new T.Rng(seed), backend });
            const bShape = transposeB ? [...sb.slice(0, -2), sb[sb.length - 1]!, sb[sb.length - 2]!] : sb;
            const b = T.uniform(bShape, -2, 2, { dtype, rng: new T.Rng(seed + 1), backend });
            return T.matmul(a.slice([]), transposeB ? b.transpose() : b);
          };
          expect(on('cpu-fast').dataSync()).toEqual(on('cpu').dataSync());
        },
      ),
      { numRuns: 80 },
    );
  });

  it('handles sizes that are not multiples of the tile, and a column-sliced A', () => {
    const a = T.uniform([7, 10], -1, 1, { rng: new T.Rng(1), backend: 'cpu-fast' }).slice([null, { step: 2 }]);
    const b = T.uniform([5, 9], -1, 1, { rng: new T.Rng(2), backend: 'cpu-fast' });
    const spec = T.matmul(
      T.fromFlat(a.dataSync(), a.shape, { backend: 'cpu' }),
      T.fromFlat(b.dataSync(), b.shape, { backend: 'cpu' }),
    );
    expect(T.matmul(a, b).dataSync()).toEqual(spec.dataSync());
  });
});

describe('matmul', () => {
  it('matches the triple loop for 2-D and batched operands with broadcast batch dims', () => {
    fc.assert(
      fc.property(matmulShapesArb, seedArb, ([sa, sb], seed) => {
        const a = randomTensor(sa, seed);
        const b = randomTensor(sb, seed + 7);
        expectTensorClose(T.matmul(a, b), referenceMatmul(a, b), 1e-14);
      }),
      { numRuns: 80 },
    );
  });

  it('handles transposed and sliced operands', () => {
    const a = randomTensor([5, 3], 1).transpose();
    const b = randomTensor([5, 8], 2).slice([null, { step: 2 }]);
    expectTensorClose(T.matmul(a, b), referenceMatmul(a.contiguous(), b.contiguous()), 1e-14);
  });

  // docs/architecture.md, "float32 matmul semantics": float32 sums in float32, k ascending, a
  // rounded product then a rounded sum per step; float64 sums in float64.
  it('accumulates float32 in float32, k ascending, product then sum rounded', () => {
    const n = 4096;
    const a = T.full([1, n], 0.1);
    const b = T.full([n, 1], 0.1);
    let acc = 0;
    for (let p = 0; p < n; p++) acc = Math.fround(acc + Math.fround(Math.fround(0.1) * Math.fround(0.1)));
    expect(T.matmul(a, b).item()).toBe(acc);
    expect(acc).not.toBe(Math.fround(Math.fround(0.1) * Math.fround(0.1) * n)); // the case tells the two apart
    // Order matters in float32: 1 + 2⁻²⁴ rounds back to 1 (ties to even), twice; a float64 sum would not.
    const ordered = T.matmul(T.tensor([[1, 2 ** -24, 2 ** -24]]), T.tensor([[1], [1], [1]]));
    expect(ordered.item()).toBe(1);
  });

  it('accumulates float64 in float64', () => {
    const ordered = T.matmul(
      T.tensor([[1, 2 ** -53, 2 ** -53]], { dtype: 'float64' }),
      T.ones([3, 1], { dtype: 'float64' }),
    );
    expect(ordered.item()).toBe(1);
    const mixed = T.matmul(
      T.tensor([[1, 2 ** -24, 2 ** -24]], { dtype: 'float64' }),
      T.ones([3, 1], { dtype: 'float64' }),
    );
    expect(mixed.item()).toBe(1 + 2 ** -23);
  });

  it('names the shapes on mismatch', () => {
    expect(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 5]))).toThrow(
      /matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\] \(3 vs 4\)/,
    );
    expect(() => T.matmul(T.zeros([3]), T.zeros([3, 2]))).toThrow(
      /matmul: operands need at least 2 dimensions, got \[3\] and \[3, 2\]/,
    );
    expect(() => T.matmul(T.zeros([2, 2, 3]), T.zeros([3, 3, 4]))).toThrow(
      /matmul: batch dimensions of \[2, 2, 3\] and \[3, 3, 4\] cannot be broadcast/,
    );
  });
});
