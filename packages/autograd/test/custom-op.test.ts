/**
 * The custom-op contract: only what forward saves survives it. A LoRA-FA-shaped op saves
 * H = X Aᵀ and not X, so X's storage must be collectable once the caller drops it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { randomTensor } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** y = X Aᵀ Bᵀ with A frozen: backward needs H = X Aᵀ for dB and only A, B for dX. */
const frozenAProjection = (a: T.Tensor) =>
  A.customOp({
    name: 'frozenAProjection',
    forward(ctx, x, b) {
      const h = T.matmul(x, a.transpose());
      ctx.save(h, b);
      return T.matmul(h, b.transpose());
    },
    backward(ctx, g) {
      const [h, b] = ctx.saved;
      return [T.matmul(T.matmul(g, b!), a), T.matmul(g.transpose(), h!)];
    },
  });

describe('custom ops', () => {
  it('have gradients that pass gradcheck', () => {
    const a = randomTensor([2, 5], 1);
    const op = frozenAProjection(a);
    expect(A.gradcheck(op, [randomTensor([4, 5], 2), randomTensor([3, 2], 3)])).toBeLessThan(1e-6);
  });

  it('keep no reference to an input they did not save', async () => {
    const a = randomTensor([2, 64], 1);
    const b = A.parameter(randomTensor([3, 2], 2));
    const p = A.parameter(randomTensor([16, 64], 3));
    const tape = new A.Tape();
    let xStorage: WeakRef<object>;
    const y = A.withTape(tape, () => {
      const x = A.add(p, 1); // a non-leaf input; add saves nothing
      xStorage = new WeakRef(x.value.storage);
      return A.sum(frozenAProjection(a)(x, b));
    });
    // Saved: H (16 x 2 float64) as an activation; B (3 x 2) is a parameter, reported apart.
    expect(tape.savedBytes()).toMatchObject({ live: 16 * 2 * 8, parameters: 3 * 2 * 8 });
    for (let i = 0; i < 5 && xStorage!.deref() !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      collectGarbage();
    }
    expect(xStorage!.deref()).toBeUndefined();
    y.backward();
    // L = Σ X Aᵀ Bᵀ with X = P + 1: dL/dP = 1 B A (every row Σ_o B[o] A) and dL/dB = 1ᵀ X Aᵀ.
    const ones = (rows: number, cols: number) => T.ones([rows, cols], { dtype: 'float64' });
    const expectedP = T.matmul(T.matmul(ones(16, 3), b.value), a);
    const expectedB = T.matmul(ones(3, 16), T.matmul(T.add(p.value, 1), a.transpose()));
    expect(relativeError(p.grad!.dataSync(), expectedP.dataSync())).toBeLessThan(1e-14);
    expect(relativeError(b.grad!.dataSync(), expectedB.dataSync())).toBeLessThan(1e-14);
  });

  it('keep alive exactly what they saved (the same check, saving X, sees X survive)', async () => {
    const keepsX = A.customOp({
      name: 'keepsX',
      forward(ctx, x) {
        ctx.save(x);
        return T.mul(x, x);
      },
      backward: (ctx, g) => [T.mul(g, T.mul(ctx.saved[0]!, 2))],
    });
    const p = A.parameter(randomTensor([16, 64], 3));
    let xStorage: WeakRef<object>;
    const y = A.withTape(new A.Tape(), () => {
      const x = A.add(p, 1);
      xStorage = new WeakRef(x.value.storage);
      return A.sum(keepsX(x));
    });
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      collectGarbage();
    }
    expect(xStorage!.deref()).toBeDefined();
    y.backward();
  });

  it('return a graph-free result when nothing needs a gradient', () => {
    const a = randomTensor([2, 3], 1);
    const [x, b] = [randomTensor([4, 3], 2), randomTensor([5, 2], 3)];
    const y = frozenAProjection(a)(A.variable(x), A.variable(b));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(y.value.dataSync()).toEqual(T.matmul(T.matmul(x, a.transpose()), b.transpose()).dataSync());
  });
});
