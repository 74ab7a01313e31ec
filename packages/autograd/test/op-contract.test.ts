/**
 * The op contract of define-op.ts and context.ts: gradients have their input's shape and
 * dtype, `ctx.save` is called once and in forward only, primitives compute and save only what
 * the wanted gradients need, and a forward's cache survives only if it was allocated in `keep`.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';

const float32 = (values: number[]) => T.tensor(values, { dtype: 'float32' });

describe('the op contract', () => {
  it('rejects a gradient of the wrong dtype, naming the op, the input and both dtypes', () => {
    const widen = A.customOp({
      name: 'widen',
      forward: (_ctx, x) => T.mul(x, 2),
      backward: (_ctx, g) => [T.cast(T.mul(g, 2), 'float64')],
    });
    const x = A.variable(float32([1, 2]), { requiresGrad: true });
    expect(() => A.sum(widen(x)).backward()).toThrow('widen: gradient for input 0 has dtype float64, expected float32');
  });

  it('allows ctx.save once, in forward only', () => {
    const twice = A.customOp({
      name: 'saveTwice',
      forward(ctx, x) {
        ctx.save(x);
        ctx.save(x);
        return T.mul(x, 2);
      },
      backward: (_ctx, g) => [T.mul(g, 2)],
    });
    const late = A.customOp({
      name: 'saveLate',
      forward: (_ctx, x) => T.mul(x, 2),
      backward(ctx, g) {
        ctx.save(g);
        return [T.mul(g, 2)];
      },
    });
    const x = A.variable(float32([1, 2]), { requiresGrad: true });
    expect(() => twice(x)).toThrow('saveTwice: ctx.save may be called once per forward');
    expect(() => A.sum(late(x)).backward()).toThrow('saveLate: ctx.save may be called in forward only');
  });

  it('add and sub compute no gradient for an input that needs none', () => {
    const v = A.variable(float32([1, 2, 3]), { requiresGrad: true });
    const c = float32([5]); // a constant, broadcast: its gradient would be a sum (a new storage)
    const g = float32([1, 1, 1]);
    const backwardOf = (y: A.Variable) => T.trackAllocations(() => y.gradFn!.backward(g));
    const add = backwardOf(A.add(v, c));
    expect(add.result[1]).toBeNull();
    expect(add.allocated.size).toBe(0); // v's gradient is g itself
    const sub = backwardOf(A.sub(c, v));
    expect(sub.result[0]).toBeNull();
    expect(sub.allocated.size).toBe(1); // v's gradient −g, and nothing for c
  });

  it('pow saves only what the wanted gradients need', () => {
    const a = () => float32([1, 2, 3, 4]); // 16 bytes
    const b = () => float32([2]); // 4 bytes; the output is 16 bytes
    const savedBytes = (aNeedsGrad: boolean, bNeedsGrad: boolean) => {
      const tape = new A.Tape();
      const x = A.variable(a(), { requiresGrad: aNeedsGrad });
      const e = A.variable(b(), { requiresGrad: bNeedsGrad });
      A.withTape(tape, () => A.pow(x, e));
      return tape.savedBytes().live;
    };
    expect(savedBytes(true, false)).toBe(16 + 4); // a and b, for b·a^(b−1)
    expect(savedBytes(false, true)).toBe(16 + 16); // a and the output, for a^b·ln a
    expect(savedBytes(true, true)).toBe(16 + 4 + 16);
  });

  describe('storage a forward allocates for a cache of its own', () => {
    /** An op that computes exp(c) once, on first use, and adds it to every input after. */
    const cachingOp = (fill: (compute: () => T.Tensor) => T.Tensor) => {
      let cache: T.Tensor | null = null;
      return A.customOp({
        name: 'addCachedExp',
        forward(_ctx, x) {
          cache ??= fill(() => T.exp(T.full([3], 1, { dtype: 'float32' })));
          return T.add(x, cache);
        },
        backward: (_ctx, g) => [g],
      });
    };
    const x = () => A.variable(float32([0, 0, 0]), { requiresGrad: true });

    it('is released with forward’s temporaries unless allocated in keep (the hazard)', () => {
      const op = cachingOp((compute) => compute());
      op(x());
      expect(() => op(x())).toThrow(/released/);
    });

    it('survives every later call when allocated in keep', () => {
      const op = cachingOp((compute) => T.keep(compute));
      op(x());
      const y = op(x());
      expect([...y.value.dataSync()]).toEqual([Math.fround(Math.E), Math.fround(Math.E), Math.fround(Math.E)]);
    });

    it('survives an enclosing tidy too', () => {
      let cache: T.Tensor | null = null;
      const step = () =>
        T.tidy(
          () => {
            cache ??= T.keep(() => T.exp(T.full([2], 0, { dtype: 'float32' })));
            return T.mul(cache, 3);
          },
          (out) => [out],
        );
      step();
      expect([...step().dataSync()]).toEqual([3, 3]);
    });
  });
});
