import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { shapeArb, seedArb, randomTensor, unravel } from '../../../test/support/arbitraries.js';

const grid = () => T.arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 4]);

describe('views share storage', () => {
  it('reshape of contiguous data, permute, slice and expand do not copy', () => {
    const t = grid();
    expect(t.reshape([6, 4]).storage).toBe(t.storage);
    expect(t.permute([2, 0, 1]).storage).toBe(t.storage);
    expect(t.slice([1, { start: 1 }]).storage).toBe(t.storage);
    const v = T.tensor([1, 2]);
    expect(v.expand([3, 2]).storage).toBe(v.storage);
    expect(v.expand([3, 2]).strides).toEqual([0, 1]);
  });

  it('a write through one view is seen by another (same storage)', () => {
    const t = T.zeros([2, 3], { dtype: 'float64' });
    const column = t.slice([null, 1]);
    t.backend.assign(column, T.tensor([5, 6], { dtype: 'float64' }));
    expect(t.arraySync()).toEqual([
      [0, 5, 0],
      [0, 6, 0],
    ]);
    expect(t.transpose().arraySync()).toEqual([
      [0, 0],
      [5, 6],
      [0, 0],
    ]);
  });

  it('contiguous copies only when needed; reshape of a transposed view copies', () => {
    const t = grid();
    expect(t.contiguous()).toBe(t);
    const p = t.permute([1, 0, 2]);
    expect(p.isContiguous).toBe(false);
    const c = p.contiguous();
    expect(c.storage).not.toBe(t.storage);
    expect(c.isContiguous).toBe(true);
    expect(c.arraySync()).toEqual(p.arraySync());
    expect(p.reshape([12, 2]).storage).not.toBe(t.storage);
  });

  it('permute moves elements as index permutation says (property)', () => {
    fc.assert(
      fc.property(shapeArb(1, 4), seedArb, (shape, seed) => {
        const t = randomTensor(shape, seed);
        const axes = shape.map((_, i) => i).reverse();
        const p = t.permute(axes);
        const source = t.dataSync();
        const moved = p.dataSync();
        for (let flat = 0; flat < moved.length; flat++) {
          const index = unravel(flat, p.shape);
          const original = axes.map((_, k) => index[axes.indexOf(k)]!);
          const sourceFlat = original.reduce((acc, i, k) => acc * shape[k]! + i, 0);
          expect(moved[flat]).toBe(source[sourceFlat]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('slices with start, stop, step, negative bounds and picked indices', () => {
    const t = grid();
    expect(t.slice([0, 2]).arraySync()).toEqual([8, 9, 10, 11]);
    expect(t.slice([-1, { start: -2 }, { step: 2 }]).arraySync()).toEqual([
      [16, 18],
      [20, 22],
    ]);
    expect(t.slice([null, { start: 1, stop: 3 }, { start: 1, stop: 4, step: 2 }]).arraySync()).toEqual([
      [
        [5, 7],
        [9, 11],
      ],
      [
        [17, 19],
        [21, 23],
      ],
    ]);
    expect(t.slice([{ start: 5 }]).shape).toEqual([0, 3, 4]);
    expect(() => t.slice([2])).toThrow(/slice: index 2 is out of range for axis 0 of \[2, 3, 4\]/);
    expect(() => t.slice([null, { step: 0 }])).toThrow(/slice: step must be a positive integer/);
  });

  it('expand broadcasts by stride 0 and rejects incompatible shapes', () => {
    const col = T.tensor([[1], [2]]);
    expect(col.expand([2, 3]).arraySync()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(col.expand([4, 2, 3]).shape).toEqual([4, 2, 3]);
    expect(() => col.expand([3, 3])).toThrow(/expand: cannot broadcast \[2, 1\] to \[3, 3\]/);
  });

  it('reshape infers -1 and names bad shapes', () => {
    expect(grid().reshape([4, -1]).shape).toEqual([4, 6]);
    expect(() => grid().reshape([5, 5])).toThrow(/reshape: cannot reshape \[2, 3, 4\] \(24 elements\) to \[5, 5\]/);
    expect(() => grid().reshape([-1, -1])).toThrow(/reshape: invalid target shape/);
  });

  it('squeeze and unsqueeze', () => {
    const t = T.zeros([2, 1, 3]);
    expect(t.squeeze().shape).toEqual([2, 3]);
    expect(t.squeeze(1).shape).toEqual([2, 3]);
    expect(t.unsqueeze(0).shape).toEqual([1, 2, 1, 3]);
    expect(t.unsqueeze(-1).shape).toEqual([2, 1, 3, 1]);
    expect(() => t.squeeze(0)).toThrow(/squeeze: axis 0 of \[2, 1, 3\] has length 2/);
  });
});
