import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';

const f64 = { dtype: 'float64' as const };
const leaf = (values: T.NestedArray) => A.variable(values, { requiresGrad: true, dtype: 'float64' });

describe('backward', () => {
  it('computes hand-derived gradients: d/dx Σ x² = 2x, d/dw Σ (x w) = Σ x', () => {
    const x = leaf([1, -2, 3]);
    A.sum(A.square(x)).backward();
    expect(x.grad!.arraySync()).toEqual([2, -4, 6]);
    const inputs = A.variable(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    const w = leaf([[1], [1]]);
    A.sum(A.matmul(inputs, w)).backward();
    expect(w.grad!.arraySync()).toEqual([[4], [6]]);
    expect(inputs.grad).toBeNull();
  });

  it('sums the gradient of a variable used twice (diamond graph)', () => {
    const x = leaf([3]);
    const y = A.mul(A.add(x, 1), A.mul(x, 2)); // 2x² + 2x → 4x + 2
    y.backward(T.ones([1], f64));
    expect(x.grad!.arraySync()).toEqual([14]);
  });

  it('orders backward by creation across tapes (a graph recorded partly inside withTape)', () => {
    const x = leaf([1, 2]);
    const inner = new A.Tape();
    const h = A.withTape(inner, () => A.tanh(A.mul(x, 3)));
    A.sum(A.mul(h, h)).backward(); // recorded on the default tape, after h
    const expected = [1, 2].map((v) => 2 * Math.tanh(3 * v) * (1 - Math.tanh(3 * v) ** 2) * 3);
    (x.grad!.arraySync() as number[]).forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 12));
    expect(inner.savedBytes().live).toBe(0);
  });

  it('accumulates into .grad across backward calls until zeroed', () => {
    const x = leaf([1, 2]);
    A.sum(A.mul(x, 3)).backward();
    A.sum(A.mul(x, 3)).backward();
    expect(x.grad!.arraySync()).toEqual([6, 6]);
    A.zeroGrad([x]);
    expect(x.grad).toBeNull();
    A.sum(x).backward();
    expect(x.grad!.arraySync()).toEqual([1, 1]);
  });

  it('takes an explicit upstream gradient for non-scalar outputs and checks its shape', () => {
    const x = leaf([
      [1, 2],
      [3, 4],
    ]);
    const y = A.mul(x, x);
    expect(() => y.backward()).toThrow(/backward: output has shape \[2, 2\]; pass an explicit gradient/);
    expect(() => y.backward(T.ones([2], f64))).toThrow(
      /backward: gradient has shape \[2\] but the output has shape \[2, 2\]/,
    );
    y.backward(
      T.tensor(
        [
          [1, 0],
          [0, 1],
        ],
        f64,
      ),
    );
    expect(x.grad!.arraySync()).toEqual([
      [2, 0],
      [0, 8],
    ]);
  });

  it('frees the graph after backward unless retainGraph is set', () => {
    const x = leaf([2]);
    const y = A.sum(A.tanh(x));
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(2 * (1 - Math.tanh(2) ** 2), 14);
    expect(() => y.backward()).toThrow(
      /tanh: saved tensors were freed by an earlier backward; pass \{ retainGraph: true \}/,
    );
  });

  it('records nothing under noGrad, and detach cuts the graph', () => {
    const x = leaf([1, 2]);
    const y = A.noGrad(() => A.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(A.isGradEnabled()).toBe(true);
    const d = A.mul(x, 2).detach();
    expect(d.isLeaf).toBe(true);
    expect(() => A.sum(d).backward()).toThrow(/backward: this variable does not require a gradient/);
    // A detached branch contributes nothing: d/dx Σ (x + stop(x)) = 1.
    A.sum(A.add(x, x.detach())).backward();
    expect(x.grad!.arraySync()).toEqual([1, 1]);
  });

  it('restores grad mode when the noGrad body throws', () => {
    expect(() =>
      A.noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(A.isGradEnabled()).toBe(true);
  });

  it('reduces broadcast gradients back to each input shape', () => {
    const bias = leaf([10, 20, 30]);
    const x = A.variable(T.ones([4, 3], f64));
    A.sum(A.add(x, bias)).backward();
    expect(bias.grad!.arraySync()).toEqual([4, 4, 4]);
  });

  it('computes through non-differentiable helpers without recording them', () => {
    const x = leaf([
      [1, 5, 2],
      [7, 0, 3],
    ]);
    expect(A.argmax(x, 1).arraySync()).toEqual([1, 0]);
    const mask = A.greater(x, 2);
    A.sum(A.where(mask, x, 0)).backward();
    expect(x.grad!.arraySync()).toEqual([
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });

  it('lets an optimizer assign new leaf values, with shape and dtype checked', () => {
    const w = A.parameter(T.zeros([2], f64), 'w');
    w.assign(T.ones([2], f64));
    expect(w.value.arraySync()).toEqual([1, 1]);
    expect(() => w.assign(T.ones([3], f64))).toThrow(/assign: expected float64 \[2\] for w, got float64 \[3\]/);
    expect(() => A.mul(w, 2).assign(T.ones([2], f64))).toThrow(/assign: only a leaf variable can be assigned/);
  });

  it('checks that a rule returns gradients of the input shapes', () => {
    const broken = A.customOp({
      name: 'broken',
      forward: (_ctx, x) => T.mul(x, 2),
      backward: (_ctx, g) => [T.sum(g)],
    });
    expect(() => A.sum(broken(leaf([1, 2]))).backward()).toThrow(
      /broken: gradient for input 0 has shape \[\], expected \[2\]/,
    );
  });
});
