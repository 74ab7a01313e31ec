import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { randomTensor, seedArb, shapeArb, unravel } from '../../../test/support/arbitraries.js';
import { expectTensorClose } from '../../../test/support/matchers.js';

/** Reference reduction: visit every input element and fold it into its output slot. */
function referenceReduce(
  x: T.Tensor,
  axes: number[],
  keepdims: boolean,
  init: number,
  f: (acc: number, v: number) => number,
) {
  const outShape = T.reducedShape(x.shape, axes, keepdims);
  const keptShape = T.reducedShape(x.shape, axes, true);
  const data = new Array<number>(T.sizeOf(outShape)).fill(init);
  x.dataSync().forEach((v, flat) => {
    const index = unravel(flat, x.shape).map((i, k) => (axes.includes(k) ? 0 : i));
    const slot = index.reduce((acc, i, k) => acc * keptShape[k]! + i, 0);
    data[slot] = f(data[slot]!, v);
  });
  return { shape: outShape, data };
}

const shapeAndAxesArb = shapeArb(1, 4).chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.subarray(
      shape.map((_, i) => i),
      { minLength: 1 },
    ),
    fc.boolean(),
  ),
);

describe('reductions over axes', () => {
  it('sum, max and min match the reference for random axes and keepdims', () => {
    fc.assert(
      fc.property(shapeAndAxesArb, seedArb, ([shape, axes, keepdims], seed) => {
        const x = randomTensor(shape, seed);
        expectTensorClose(
          T.sum(x, axes, keepdims),
          referenceReduce(x, axes, keepdims, 0, (a, v) => a + v),
          1e-14,
        );
        expectTensorClose(T.max(x, axes, keepdims), referenceReduce(x, axes, keepdims, -Infinity, Math.max), 0);
        expectTensorClose(T.min(x, axes, keepdims), referenceReduce(x, axes, keepdims, Infinity, Math.min), 0);
        const count = axes.reduce((n, a) => n * shape[a]!, 1);
        const sums = referenceReduce(x, axes, keepdims, 0, (a, v) => a + v);
        expectTensorClose(
          T.mean(x, axes, keepdims),
          { shape: sums.shape, data: sums.data.map((s) => s / count) },
          1e-14,
        );
      }),
      { numRuns: 80 },
    );
  });

  it('reduces over all axes by default and over negative axes', () => {
    const x = T.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(T.sum(x).item()).toBe(21);
    expect(T.sum(x, -1).arraySync()).toEqual([6, 15]);
    expect(T.max(x, 0, true).arraySync()).toEqual([[4, 5, 6]]);
    expect(T.mean(x, [0, 1], true).arraySync()).toEqual([[3.5]]);
  });

  it('argmax and argmin return the first extreme as int32', () => {
    const x = T.tensor([
      [1, 3, 3],
      [7, 0, 7],
    ]);
    const am = T.argmax(x, 1);
    expect(am.dtype).toBe('int32');
    expect(am.arraySync()).toEqual([1, 0]);
    expect(T.argmin(x, 0).arraySync()).toEqual([0, 1, 0]);
    expect(T.argmax(x, 0, true).shape).toEqual([1, 3]);
  });

  it('names bad axes', () => {
    expect(() => T.sum(T.zeros([2, 3]), 2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
    expect(() => T.sum(T.zeros([2, 3]), [1, -1])).toThrow(/sum: repeated axis/);
    expect(() => T.max(T.zeros([0, 3]), 0)).toThrow(/max: cannot reduce over axis 0 of length 0/);
  });
});
