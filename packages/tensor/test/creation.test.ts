import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';

describe('creation', () => {
  it('builds tensors from nested arrays with the right shape, dtype and values', () => {
    const t = T.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'float64' },
    );
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float64');
    expect(t.strides).toEqual([3, 1]);
    expect(t.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(T.tensor(5).shape).toEqual([]);
    expect(T.tensor(5).item()).toBe(5);
    expect(T.tensor([[true, false]], { dtype: 'bool' }).dataSync()).toEqual(new Uint8Array([1, 0]));
  });

  it('defaults to float32 and rounds to float32', () => {
    const t = T.tensor([0.1]);
    expect(t.dtype).toBe('float32');
    expect(t.item()).toBe(Math.fround(0.1));
  });

  it('rejects ragged arrays and mismatched flat data', () => {
    expect(() => T.tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array/);
    expect(() => T.fromFlat([1, 2, 3], [2, 2])).toThrow(/fromFlat: 3 values do not fill shape \[2, 2\]/);
    expect(() => T.zeros([2, -1])).toThrow(/invalid shape \[2, -1\]/);
  });

  it('makes zeros, ones, full, arange and eye', () => {
    expect(T.zeros([2, 2]).arraySync()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(T.ones([3], { dtype: 'int32' }).dataSync()).toEqual(new Int32Array([1, 1, 1]));
    expect(T.full([2], 7.5, { dtype: 'float64' }).arraySync()).toEqual([7.5, 7.5]);
    expect(T.arange(4).arraySync()).toEqual([0, 1, 2, 3]);
    expect(T.arange(1, 2, 0.25, { dtype: 'float64' }).arraySync()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(T.arange(5, 0, -2).arraySync()).toEqual([5, 3, 1]);
    expect(T.eye(2, 3).arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(() => T.arange(0, 1, 0)).toThrow(/arange: step must not be 0/);
  });

  it('reports storage bytes per dtype', () => {
    expect(T.zeros([3, 4], { dtype: 'float32' }).storageBytes).toBe(48);
    expect(T.zeros([3, 4], { dtype: 'float64' }).storageBytes).toBe(96);
    expect(T.zeros([3, 4], { dtype: 'bool' }).storageBytes).toBe(12);
  });
});
