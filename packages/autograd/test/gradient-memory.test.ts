import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { expectTensorClose } from '../../../test/support/matchers.js';

/**
 * Backward releases the storages it owns (its temporaries and consumed gradients) for reuse.
 * A released CPU storage throws on any use, so a wrong release cannot pass silently: these
 * tests read everything a caller can still hold after backward. Tensors are big enough
 * (≥ 16 KiB) for the pool to keep their arrays.
 */
const rng = () => new T.Rng(42);
const input = () => T.uniform([64, 128], -1, 1, { rng: rng() });
const weight = () => T.uniform([128, 64], -0.1, 0.1, { rng: new T.Rng(7) });
const close = (actual: T.Tensor, expected: T.Tensor) =>
  expectTensorClose(actual, { shape: expected.shape, data: expected.dataSync() }, 1e-5);

describe('memory released by backward', () => {
  it('never touches what the caller can still see: values, intermediates, the seed, leaf gradients', () => {
    const x = A.variable(input(), { requiresGrad: true });
    const w = A.variable(weight(), { requiresGrad: true });
    const h = A.matmul(x, w);
    const t = A.tanh(h);
    const doubled = A.add(t, t); // add's backward hands one gradient to both inputs: aliasing
    const loss = A.sum(A.mul(doubled, doubled)); // = 4 Σ tanh(h)²
    const before = [x, w, h, t, doubled, loss].map((v) => v.value.dataSync().slice());
    const seed = T.scalar(1);
    loss.backward(seed);
    [x, w, h, t, doubled, loss].forEach((v, i) => expect(v.value.dataSync()).toEqual(before[i]));
    expect(seed.item()).toBe(1);
    // dL/dh = 8 tanh(h) (1 − tanh(h)²); dL/dW = xᵀ dL/dh; dL/dx = dL/dh Wᵀ.
    const th = T.tanh(h.value);
    const dh = T.mul(T.mul(th, 8), T.sub(1, T.mul(th, th)));
    close(w.grad!, T.matmul(x.value.transpose(), dh));
    close(x.grad!, T.matmul(dh, w.value.transpose()));
  });

  it('keeps a gradient that flows both into a leaf and into the rest of the graph', () => {
    const x = A.variable(input(), { requiresGrad: true });
    const u = A.add(x, A.tanh(x)); // the same gradient goes to x (a leaf) and to tanh
    A.sum(A.mul(u, u)).backward();
    const g = T.mul(T.add(x.value, T.tanh(x.value)), 2);
    const expected = T.add(g, T.mul(g, T.sub(1, T.square(T.tanh(x.value)))));
    close(x.grad!, expected);
  });

  it('lets a training loop take most of its memory from released storage', () => {
    const backend = T.getBackend();
    const x = A.variable(input());
    const w = A.variable(weight(), { requiresGrad: true });
    const produced = { fresh: 0, reused: 0 };
    for (let step = 0; step < 6; step++) {
      const [fresh0, reused0] = [backend.allocatedBytes!(), backend.reusedBytes!()];
      const loss = A.sum(A.square(A.tanh(A.matmul(x, w))));
      loss.backward();
      w.assign(
        T.tidy(
          () => T.sub(w.value, T.mul(w.grad!, 1e-3)),
          (next) => [next],
        ),
      );
      w.zeroGrad();
      if (step >= 2) {
        produced.fresh += backend.allocatedBytes!() - fresh0;
        produced.reused += backend.reusedBytes!() - reused0;
      }
    }
    // Each step: 4 forward outputs (kept alive by the graph, then garbage) and, in backward and
    // the update, about as many temporaries and gradients, which come back from the pool.
    expect(produced.reused / (produced.fresh + produced.reused)).toBeGreaterThan(0.4);
  });
});

describe('memory an op allocates for itself in forward', () => {
  /** y = (x·2)·3 with the intermediate x·2 saved; `seen` exposes the op's own tensors to the test. */
  function scaledTwice(seen: { temporary?: T.Tensor; saved?: T.Tensor }, returnSavedAsGradient = false) {
    return A.customOp({
      name: 'scaledTwice',
      forward(ctx, x) {
        seen.temporary = T.mul(x, 5); // computed, then not used: a temporary
        const doubled = T.mul(x, 2);
        seen.saved = doubled;
        ctx.save(doubled);
        return T.mul(doubled, 3);
      },
      backward(ctx, g) {
        const [doubled] = ctx.saved;
        // d/dx = 6; optionally hand back the saved tensor itself (reshaped), as a custom op may.
        return [returnSavedAsGradient ? doubled!.reshape([-1]).reshape(doubled!.shape) : T.mul(g, 6)];
      },
    });
  }

  it('releases forward temporaries at once and what the op saved after its backward', () => {
    const seen: { temporary?: T.Tensor; saved?: T.Tensor } = {};
    const x = A.variable(input(), { requiresGrad: true });
    const y = scaledTwice(seen)(x);
    expect(() => seen.temporary!.dataSync()).toThrow(/was released/);
    expect(seen.saved!.dataSync()).toEqual(T.mul(x.value, 2).dataSync()); // alive until backward
    A.sum(y).backward();
    expect(() => seen.saved!.dataSync()).toThrow(/was released/);
    expect(y.value.dataSync()).toEqual(T.mul(x.value, 6).dataSync()); // the output is never touched
    expect(x.grad!.dataSync()).toEqual(T.full(x.shape, 6).dataSync());
  });

  it('keeps what the op saved when the graph is retained, and a gradient that is a view of it', () => {
    const seen: { temporary?: T.Tensor; saved?: T.Tensor } = {};
    const x = A.variable(input(), { requiresGrad: true });
    A.sum(scaledTwice(seen)(x)).backward(undefined, { retainGraph: true });
    expect(seen.saved!.dataSync()).toEqual(T.mul(x.value, 2).dataSync());
    const other: { temporary?: T.Tensor; saved?: T.Tensor } = {};
    const z = A.variable(input(), { requiresGrad: true });
    A.sum(scaledTwice(other, true)(z)).backward();
    expect(z.grad!.dataSync()).toEqual(T.mul(z.value, 2).dataSync());
  });
});
