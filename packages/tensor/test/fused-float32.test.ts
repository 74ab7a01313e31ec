/**
 * The fused kernels' float32 fast paths (fastExp in place of Math.exp/Math.tanh) against the
 * same kernels in float64: within a few float32 roundings, special values kept.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { fastExp } from '../src/backend/cpu/fused/fast-exp.js';

const fused = T.getBackend('cpu').fused!;
const values = (t: T.Tensor) => Array.from(t.dataSync());

describe('fastExp', () => {
  it('is e^a to within 1e-8 relative over the float32 range of exponents', () => {
    fc.assert(
      fc.property(fc.double({ min: -100, max: 88, noNaN: true }), (a) => {
        expect(Math.abs(fastExp(a) / Math.exp(a) - 1)).toBeLessThan(1e-8);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps NaN, overflows to ∞ and underflows to 0', () => {
    expect(fastExp(Number.NaN)).toBeNaN();
    expect(fastExp(800)).toBe(Infinity);
    expect(fastExp(Infinity)).toBe(Infinity);
    expect(fastExp(-800)).toBe(0);
    expect(fastExp(-Infinity)).toBe(0);
    expect(fastExp(0)).toBe(1);
  });
});

/**
 * Accurate float64 references, from gelu_tanh(x) = x·σ(2u) with u = √(2/π)(x + 0.044715x³), and
 * gelu′ = σ + 2x·σ(1 − σ)·u′ (the float64 kernel's ½x(1 + tanh u) loses relative accuracy where
 * x ≪ 0, by cancellation in 1 + tanh u, so it is no reference for tiny outputs).
 */
const U = (x: number) => Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
const referenceGelu = (x: number) => (x === -Infinity ? Number.NaN : x / (1 + Math.exp(-2 * U(x))));
function referenceSlope(x: number): number {
  if (Number.isNaN(x)) return x;
  const e = Math.exp(-2 * U(x));
  const sigma = 1 / (1 + e);
  if (e === 0 || e === Infinity) return sigma;
  return sigma + 2 * x * sigma * e * sigma * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
}

describe('the tanh GELU in float32', () => {
  const inputs = [0, -0, 1e-30, -1e-30, 0.5, -0.5, 3, -3, 10, -10, 30, -30, 1e4, -1e4, Infinity, -Infinity, Number.NaN];
  const float32 = (xs: number[]) => T.tensor(xs, { dtype: 'float32', backend: 'cpu' });
  /** Within 2 float32 roundings (2⁻²³ relative each) of the float64 value. */
  const close = (actual: number[], expected: number[]) =>
    actual.forEach((a, i) => {
      const e = Math.fround(expected[i]!);
      if (Number.isNaN(e)) expect(a).toBeNaN();
      else if (!Number.isFinite(e)) expect(a).toBe(e);
      else expect(Math.abs(a - e)).toBeLessThanOrEqual(2 * 2 ** -23 * Math.abs(e) + 1e-45);
    });
  const forward = (xs: number[]) => values(new T.Tensor(fused.gelu(float32(xs), 'tanh'), [xs.length]));
  const backward = (xs: number[]) =>
    values(new T.Tensor(fused.geluBackward(float32(xs), float32(xs.map(() => 1)), 'tanh'), [xs.length]));
  const rounded = (xs: number[]) => xs.map(Math.fround);

  it('forward: within float32 rounding of the exact value, −0 kept', () => {
    close(forward(inputs), rounded(inputs).map(referenceGelu));
    expect(Object.is(forward([-0])[0], -0)).toBe(true);
  });

  it('backward: within float32 rounding of the exact slope, special values included', () => {
    close(backward(inputs), rounded(inputs).map(referenceSlope));
  });

  it('agrees on random inputs', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -12, max: 12, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
        close(forward(xs), rounded(xs).map(referenceGelu));
        close(backward(xs), rounded(xs).map(referenceSlope));
      }),
    );
  });
});

describe('the attention softmax in float32', () => {
  it('is within float32 rounding of the float64 kernel, causal rows summing to 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.boolean(),
        (xs, causal) => {
          const run = (dtype: T.FloatDType) =>
            values(
              new T.Tensor(
                fused.attentionSoftmax(T.tensor(xs, { dtype, backend: 'cpu' }).reshape([3, 4]), 0.5, causal),
                [12],
              ),
            );
          const [f32, f64] = [run('float32'), run('float64')];
          f32.forEach((v, i) =>
            expect(Math.abs(v - f64[i]!)).toBeLessThanOrEqual(4 * 2 ** -24 * Math.max(f64[i]!, 1e-30)),
          );
          for (let row = 0; row < 3; row++) {
            const sum = f32.slice(row * 4, row * 4 + 4).reduce((a, b) => a + b, 0);
            expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
          }
        },
      ),
    );
  });
});
