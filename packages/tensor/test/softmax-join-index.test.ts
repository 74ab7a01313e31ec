import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { randomTensor } from '../../../test/support/arbitraries.js';
import { expectTensorClose } from '../../../test/support/matchers.js';

describe('softmax and logSumExp', () => {
  it('match the definitions on moderate values', () => {
    const x = randomTensor([3, 5], 4);
    const rows = x.arraySync() as number[][];
    const lse = rows.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)));
    expectTensorClose(T.logSumExp(x, 1), { shape: [3], data: lse }, 1e-15);
    expectTensorClose(
      T.softmax(x, 1),
      { shape: [3, 5], data: rows.flatMap((r, i) => r.map((v) => Math.exp(v - lse[i]!))) },
      1e-14,
    );
    expectTensorClose(
      T.logSoftmax(x, 1),
      { shape: [3, 5], data: rows.flatMap((r, i) => r.map((v) => v - lse[i]!)) },
      1e-14,
    );
  });

  it('are stable for huge logits and all −∞ rows', () => {
    const x = T.tensor(
      [
        [1000, 1000],
        [-Infinity, -Infinity],
      ],
      { dtype: 'float64' },
    );
    expect(T.logSumExp(x, 1).arraySync()).toEqual([1000 + Math.log(2), -Infinity]);
    expect((T.softmax(x, 1).arraySync() as number[][])[0]).toEqual([0.5, 0.5]);
    expect(T.logSumExp(x, 0, true).shape).toEqual([1, 2]);
  });
});

describe('concat and stack', () => {
  it('join along an axis', () => {
    const a = T.tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = T.tensor([[5], [6]]);
    expect(T.concat([a, b], 1).arraySync()).toEqual([
      [1, 2, 5],
      [3, 4, 6],
    ]);
    expect(T.concat([a, a], 0).shape).toEqual([4, 2]);
    expect(T.concat([a.transpose(), a], -1).arraySync()).toEqual([
      [1, 3, 1, 2],
      [2, 4, 3, 4],
    ]);
    expect(T.stack([a, a], 2).shape).toEqual([2, 2, 2]);
    expect(T.stack([a, a], 0).arraySync()).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [1, 2],
        [3, 4],
      ],
    ]);
  });

  it('name mismatched shapes', () => {
    expect(() => T.concat([T.zeros([2, 2]), T.zeros([3, 3])], 0)).toThrow(
      /concat: shapes \[2, 2\], \[3, 3\] differ outside axis 0/,
    );
    expect(() => T.stack([T.zeros([2]), T.zeros([3])])).toThrow(/stack: shapes \[2\], \[3\] differ/);
  });

  it('sliceScatter writes into a copy', () => {
    const base = T.zeros([2, 3]);
    const out = T.sliceScatter(base, [null, { start: 1 }], T.ones([2, 2]));
    expect(out.arraySync()).toEqual([
      [0, 1, 1],
      [0, 1, 1],
    ]);
    expect(base.arraySync()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('sliceScatterZeros is sliceScatter onto zeros, strided slices and a mismatched source named', () => {
    const source = T.tensor([
      [1, 2],
      [3, 4],
    ]);
    const specs = [null, { start: 0, step: 2 }];
    expect(T.sliceScatterZeros([2, 4], specs, source).arraySync()).toEqual(
      T.sliceScatter(T.zeros([2, 4]), specs, source).arraySync(),
    );
    expect(T.sliceScatterZeros([2, 4], specs, source).arraySync()).toEqual([
      [1, 0, 2, 0],
      [3, 0, 4, 0],
    ]);
    expect(() => T.sliceScatterZeros([2, 4], [null, { start: 1 }], source)).toThrow(
      /sliceScatter: slice of \[2, 4\] has shape \[2, 3\] but source is \[2, 2\]/,
    );
  });
});

describe('indexSelect, scatterAdd and oneHot', () => {
  const table = T.tensor([
    [0, 1],
    [10, 11],
    [20, 21],
  ]);
  it('looks up embedding rows for a batch of token ids', () => {
    const ids = T.tensor(
      [
        [2, 0],
        [1, 1],
      ],
      { dtype: 'int32' },
    );
    const out = T.indexSelect(table, 0, ids);
    expect(out.shape).toEqual([2, 2, 2]);
    expect(out.arraySync()).toEqual([
      [
        [20, 21],
        [0, 1],
      ],
      [
        [10, 11],
        [10, 11],
      ],
    ]);
    expect(T.indexSelect(table, 1, T.tensor([1], { dtype: 'int32' })).arraySync()).toEqual([[1], [11], [21]]);
  });

  it('scatterAdd is the adjoint: repeated indices accumulate', () => {
    const ids = T.tensor([1, 1, 2], { dtype: 'int32' });
    const out = T.scatterAdd([3, 2], 0, ids, T.ones([3, 2]));
    expect(out.arraySync()).toEqual([
      [0, 0],
      [2, 2],
      [1, 1],
    ]);
  });

  it('rejects bad indices with a clear error', () => {
    expect(() => T.indexSelect(table, 0, T.tensor([3], { dtype: 'int32' }))).toThrow(
      /gather: index 3 is out of range for an axis of size 3/,
    );
    expect(() => T.indexSelect(table, 0, T.tensor([1]))).toThrow(/indexSelect: indices must be int32, got float32/);
  });

  it('oneHot encodes int32 indices', () => {
    expect(T.oneHot(T.tensor([2, 0], { dtype: 'int32' }), 3).arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });
});
