import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { crossEntropy, mseLoss } from '@lorafa/nn';
import { randomTensor } from '../../../test/support/arbitraries.js';

describe('mseLoss', () => {
  it('is the mean of squared differences', () => {
    const loss = mseLoss(
      A.variable(T.tensor([1, 2, 3], { dtype: 'float64' })),
      T.tensor([1, 0, 0], { dtype: 'float64' }),
    );
    expect(loss.item()).toBeCloseTo((0 + 4 + 9) / 3, 14);
    expect(() => mseLoss(A.variable(T.ones([2])), T.ones([3]))).toThrow(
      /mseLoss: prediction \[2\] and target \[3\] differ/,
    );
  });
});

describe('crossEntropy', () => {
  const targets = T.tensor(
    [
      [2, 0, -100],
      [1, 1, 3],
    ],
    { dtype: 'int32' },
  );
  it('averages −log softmax at the targets over non-ignored positions (reference loop)', () => {
    const logits = randomTensor([2, 3, 4], 1, { low: -3, high: 3 });
    const rows = logits.arraySync() as number[][][];
    const ids = targets.arraySync() as number[][];
    let total = 0;
    let count = 0;
    rows.forEach((batch, b) =>
      batch.forEach((row, s) => {
        if (ids[b]![s] === -100) return;
        const lse = Math.log(row.reduce((acc, v) => acc + Math.exp(v), 0));
        total += lse - row[ids[b]![s]!]!;
        count++;
      }),
    );
    expect(crossEntropy(A.variable(logits), targets).item()).toBeCloseTo(total / count, 13);
  });

  it('is stable for huge logits and has correct gradients', () => {
    const huge = T.tensor(
      [
        [1000, 0],
        [0, -1000],
      ],
      { dtype: 'float64' },
    );
    expect(crossEntropy(A.variable(huge), T.tensor([0, 1], { dtype: 'int32' })).item()).toBeCloseTo(1000 / 2, 10);
    expect(A.gradcheck((x) => crossEntropy(x!, targets), [randomTensor([2, 3, 4], 2)])).toBeLessThan(1e-6);
  });

  it('names bad targets', () => {
    const logits = A.variable(T.zeros([2, 3]));
    expect(() => crossEntropy(logits, T.tensor([0, 1]))).toThrow(/crossEntropy: targets must be int32, got float32/);
    expect(() => crossEntropy(logits, T.tensor([0], { dtype: 'int32' }))).toThrow(
      /crossEntropy: logits \[2, 3\] need targets of shape \[2\], got \[1\]/,
    );
    expect(() => crossEntropy(logits, T.tensor([-100, -100], { dtype: 'int32' }))).toThrow(
      /every target equals ignoreIndex/,
    );
    expect(() => crossEntropy(logits, T.tensor([0, 7], { dtype: 'int32' }))).toThrow(
      /crossEntropy: target 7 is out of range for 3 classes/,
    );
  });
});
