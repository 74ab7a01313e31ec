/**
 * Edges of the autograd core that the gradient properties do not reach: default arguments of
 * the op wrappers, errors that name the op, backward's order on a graph where a gradient
 * arrives by two paths of different length, the seed and gradient checks, and the saved-tensor
 * ledger after release.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { randomTensor } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

const x23 = () =>
  A.parameter(
    T.tensor(
      [
        [1, -2, 3],
        [0.5, 4, -1],
      ],
      { dtype: 'float64' },
    ),
  );

describe('op wrappers: defaults and errors', () => {
  it('a number on the left of mul is a scalar attribute: 2 · x, with gradient 2', () => {
    const x = x23();
    const y = A.mul(2, x);
    expect(y.gradFn!.opName).toBe('mulScalar');
    expect(Array.from(y.value.dataSync())).toEqual([2, -4, 6, 1, 8, -2]);
    A.sum(y).backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('reduce every axis (max, min) or the last one (logSumExp, logSoftmax, softmax) without keepdims by default', () => {
    const x = x23();
    expect(A.max(x).value.shape).toEqual([]);
    expect(A.max(x).value.item()).toBe(4);
    expect(A.min(x).value.item()).toBe(-2);
    expect(A.min(x).value.shape).toEqual([]);
    // On a rank-3 tensor "the last axis" (−1) is not axis 1.
    const x3 = A.variable(randomTensor([2, 3, 4], 5));
    expect(A.logSumExp(x3).value.shape).toEqual([2, 3]);
    const lastAxisSums = T.sum(A.softmax(x3).value, [2]).dataSync();
    for (const v of lastAxisSums) expect(v).toBeCloseTo(1, 12);
    expect(A.logSoftmax(x3).value.dataSync()).toEqual(A.logSoftmax(x3, 2).value.dataSync());
    expect(A.max(x, [0]).value.shape).toEqual([3]);
    expect(A.mean(x, [0]).value.shape).toEqual([3]);
    const lse = A.logSumExp(x);
    expect(lse.value.shape).toEqual([2]);
    expect(lse.value.dataSync()[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(-2) + Math.exp(3)), 12);
    const rowSums = T.sum(A.softmax(x).value, [1]).dataSync();
    expect(Array.from(rowSums).map((v) => Number(v.toFixed(12)))).toEqual([1, 1]);
    expect(relativeError(A.exp(A.logSoftmax(x)).value.dataSync(), A.softmax(x).value.dataSync())).toBeLessThan(1e-14);
  });

  it('name themselves in axis errors', () => {
    const x = x23();
    expect(() => A.transpose(x, 5, 0)).toThrow(/transpose: axis 5 is out of range for a tensor of rank 2/);
    expect(() => A.transpose(x, 0, -7)).toThrow(/transpose: axis -7 is out of range/);
    expect(() => A.unsqueeze(x, 4)).toThrow(/unsqueeze: axis 4 is out of range for a tensor of rank 3/);
    expect(() => A.mean(x, [2])).toThrow(/mean: axis 2 is out of range for a tensor of rank 2/);
  });
});

describe('backward', () => {
  it('runs a node only after every consumer: y = a + exp(exp(a)), a = 2x, reaches a by a short and a long path', () => {
    const x = A.parameter(T.tensor([0.1, -0.3], { dtype: 'float64' }));
    const a = A.mul(x, 2);
    A.sum(A.add(a, A.exp(A.exp(a)))).backward();
    // dy/dx = 2 (1 + exp(exp(a)) exp(a))
    const expected = [0.1, -0.3].map((v) => 2 * (1 + Math.exp(Math.exp(2 * v)) * Math.exp(2 * v)));
    expect(relativeError(x.grad!.dataSync(), expected)).toBeLessThan(1e-14);
  });

  it('rejects a seed gradient whose shape differs from the output’s', () => {
    const y = A.mul(x23(), 3);
    expect(() => y.backward(T.ones([3, 2], { dtype: 'float64' }))).toThrow(
      'backward: gradient has shape [3, 2] but the output has shape [2, 3]',
    );
    expect(() => y.backward(T.ones([2, 3, 1], { dtype: 'float64' }))).toThrow(/gradient has shape \[2, 3, 1\]/);
  });

  it('checks what a backward rule returns: one gradient per input, each of its input’s shape', () => {
    const tooFew = A.customOp({
      name: 'tooFew',
      forward: (_ctx, a, b) => T.add(a, b),
      backward: (_ctx, g) => [g],
    });
    expect(() => A.sum(tooFew(x23(), x23())).backward()).toThrow('tooFew: backward returned 1 gradients for 2 inputs');
    const wrongShape = A.customOp({
      name: 'wrongShape',
      forward: (_ctx, a) => T.mul(a, 2),
      backward: (_ctx, g) => [T.sum(g, [0])],
    });
    expect(() => A.sum(wrongShape(x23())).backward()).toThrow(
      'wrongShape: gradient for input 0 has shape [3], expected [2, 3]',
    );
    const transposed = A.customOp({
      name: 'transposed',
      forward: (_ctx, a) => T.mul(a, 2),
      backward: (_ctx, g) => [g.transpose().contiguous()],
    });
    expect(() => A.sum(transposed(A.parameter(randomTensor([2, 2], 1)))).backward()).not.toThrow();
    expect(() => A.sum(transposed(x23())).backward()).toThrow(/transposed: gradient for input 0 has shape \[3, 2\]/);
  });
});

describe('the saved-tensor ledger', () => {
  it('counts a storage saved by two graphs until both have run backward, and empties every count after', () => {
    const tape = new A.Tape();
    const q = A.parameter(randomTensor([4, 2], 1));
    const w = A.parameter(randomTensor([4, 2], 2));
    const [y1, y2] = A.withTape(tape, () =>
      tape.scope('block', () => {
        const shared = A.add(q, 1); // an activation, saved by both products
        return [A.sum(A.mul(shared, w)), A.sum(A.mul(shared, A.mul(w, 3)))];
      }),
    );
    const bytes = 4 * 2 * 8;
    // Saved: shared (once, though twice), w (a parameter), and w·3 (an activation of the second graph).
    expect(tape.savedBytes()).toMatchObject({ live: 2 * bytes, parameters: bytes });
    y1.backward();
    expect(tape.savedBytes()).toMatchObject({ live: 2 * bytes });
    expect(tape.savedBytes().scopes['block']!.live).toBe(2 * bytes);
    y2.backward();
    expect(tape.savedBytes()).toMatchObject({ live: 0, parameters: 0 });
    expect(tape.savedBytes().scopes['block']!.live).toBe(0);
  });

  it('withTape restores the previous tape when its function throws', () => {
    const outer = A.currentTape();
    expect(() =>
      A.withTape(new A.Tape(), () => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(A.currentTape()).toBe(outer);
  });

  it('a scope that throws is closed all the same', () => {
    const tape = new A.Tape();
    expect(() =>
      tape.scope('failing', () => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(tape.currentScope).toBe('');
  });
});
