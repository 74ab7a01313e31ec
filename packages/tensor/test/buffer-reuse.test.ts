import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';

/** Big enough for the pool (it keeps arrays of 16 KiB and more). */
const N = 8192;
const backend = T.getBackend('cpu-fast');
const big = (seed: number) => T.uniform([N], -1, 1, { rng: new T.Rng(seed), backend: 'cpu-fast' });

describe('buffer reuse on the CPU backends', () => {
  it('hands a released array to the next kernel of that size, zero-filled, and refuses the released storage', () => {
    const x = T.exp(big(1));
    const reusedBefore = backend.reusedBytes!();
    const allocatedBefore = backend.allocatedBytes!();
    T.releaseStorage(x.storage);
    expect(() => x.dataSync()).toThrow(
      /cpu-fast backend: this storage \(float32, 8192 elements\) was released and its memory reused/,
    );
    const y = T.neg(big(2)); // big() allocates by upload (not pooled); neg takes the released array
    expect(backend.reusedBytes!() - reusedBefore).toBe(4 * N);
    expect(backend.allocatedBytes!() - allocatedBefore).toBe(4 * N); // only big(2)'s upload was new
    expect(y.dataSync()).toEqual(T.neg(big(2)).dataSync());
    const scattered = T.scatterAdd(
      [N],
      0,
      T.tensor([3], { dtype: 'int32', backend: 'cpu-fast' }),
      T.ones([1], { backend: 'cpu-fast' }),
    );
    T.releaseStorage(scattered.storage);
    // scatterAdd adds into zeros: a reused array must come back zeroed.
    const again = T.scatterAdd(
      [N],
      0,
      T.tensor([5], { dtype: 'int32', backend: 'cpu-fast' }),
      T.ones([1], { backend: 'cpu-fast' }),
    );
    expect(T.sum(again).item()).toBe(1);
    expect(again.dataSync()[3]).toBe(0);
  });

  it('trackAllocations lists the storages created while a function runs, not views of older ones', () => {
    const x = big(3);
    const { result, allocated } = T.trackAllocations(() => {
      const view = x.reshape([64, 128]).transpose();
      return T.neg(view);
    });
    expect([...allocated]).toEqual([result.storage]);
    const nested = T.trackAllocations(() => T.trackAllocations(() => T.exp(x)).result);
    expect(nested.allocated.has(nested.result.storage)).toBe(true);
  });

  it('tidy releases the temporaries of a function and keeps what it names', () => {
    const x = big(4);
    let temporary: T.Tensor | undefined;
    const kept = T.tidy(
      () => {
        temporary = T.mul(x, 2);
        return T.add(temporary, 1);
      },
      (t) => [t],
    );
    expect(() => temporary!.dataSync()).toThrow(/was released/);
    expect(kept.dataSync()).toEqual(T.add(T.mul(x, 2), 1).dataSync());
    expect(x.dataSync()).toEqual(big(4).dataSync()); // inputs are not touched
  });

  it('tidy leaves storages of other backends alone (a backend that delegates holds them)', () => {
    const spec = T.tidy(
      () => T.exp(T.ones([4], { backend: 'cpu' })),
      () => [big(5)],
    );
    expect(spec.dataSync()).toEqual(new Float32Array(4).fill(Math.E));
  });
});
