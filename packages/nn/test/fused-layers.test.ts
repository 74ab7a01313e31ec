/**
 * The fused GELU, LayerNorm and cross-entropy primitives against their composed references
 * (`geluComposed`, `layerNormComposed`, `crossEntropyComposed`): values and gradients in
 * float64 over random shapes (fast-check), float32 within its rounding, and the special values
 * where a one-pass kernel could go wrong (large |x|, ±0, NaN, equal rows, huge logits).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import {
  crossEntropy,
  crossEntropyComposed,
  gelu,
  geluComposed,
  geluTanh,
  geluTanhComposed,
  layerNormComposed,
} from '@lorafa/nn';
import { dim, randomTensor, seedArb, shapeArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

/**
 * max |a − b| / max(1, max |b|): relative where values are large, absolute where they are
 * small. Both forms compute GELU's ½(1 + tanh u) and LayerNorm's x − μ with the same
 * cancellation, so at x ≈ −5 a gradient of 1e-6 carries an error of 1e-16 in either: a purely
 * relative measure would compare their rounding, not their math.
 */
function closeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [error, scale] = [0, 1];
  for (let i = 0; i < b.length; i++) {
    error = Math.max(error, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return error / scale;
}

type Layer = (...inputs: Variable[]) => Variable;

/** The output and every input's gradient of Σ out·c, for a fixed random cotangent c. */
function valuesAndGradients(layer: Layer, inputs: readonly T.Tensor[], seed: number) {
  const variables = inputs.map((t) => A.variable(t, { requiresGrad: true }));
  const out = layer(...variables);
  const cotangent = randomTensor(out.shape, seed, { dtype: out.dtype as T.FloatDType });
  A.sum(A.mul(out, cotangent)).backward();
  return { out: out.value.dataSync(), grads: variables.map((v) => v.grad!.dataSync()) };
}

/** Fused and composed agree on the output and on every gradient within `tolerance`. */
function expectSameLayer(fused: Layer, composed: Layer, inputs: readonly T.Tensor[], seed: number, tolerance: number) {
  const a = valuesAndGradients(fused, inputs, seed);
  const b = valuesAndGradients(composed, inputs, seed);
  expect(closeError(a.out, b.out)).toBeLessThanOrEqual(tolerance);
  a.grads.forEach((g, i) => expect(closeError(g, b.grads[i]!)).toBeLessThanOrEqual(tolerance));
}

const layerNormFused: Layer = (x, w, b) => A.layerNorm(x!, w!, b!, 1e-5);
const layerNormReference: Layer = (x, w, b) => layerNormComposed(x!, w!, b!, 1e-5);
const affineFor = (shape: readonly number[], seed: number, dtype: T.FloatDType = 'float64') => {
  const d = shape[shape.length - 1]!;
  return [randomTensor([d], seed + 1, { dtype }), randomTensor([d], seed + 2, { dtype })];
};

describe('fused layers equal their composed references (float64, random shapes)', () => {
  it.each([
    ['gelu', gelu, geluComposed],
    ['geluTanh', geluTanh, geluTanhComposed],
  ] as const)('%s', (_name, fused, composed) => {
    fc.assert(
      fc.property(shapeArb(0, 3), seedArb, (shape, seed) => {
        const x = randomTensor(shape, seed, { low: -8, high: 8 });
        expectSameLayer(
          (v) => fused(v!),
          (v) => composed(v!),
          [x],
          seed + 1,
          1e-13,
        );
      }),
      { numRuns: 30 },
    );
  });

  it('layerNorm, with x, weight and bias all trained', () => {
    fc.assert(
      fc.property(shapeArb(1, 3), seedArb, (shape, seed) => {
        const inputs = [randomTensor(shape, seed, { low: -3, high: 5 }), ...affineFor(shape, seed)];
        expectSameLayer(layerNormFused, layerNormReference, inputs, seed + 3, 1e-12);
      }),
      { numRuns: 30 },
    );
  });

  it('crossEntropy over [..., C] logits with some targets ignored', () => {
    const caseArb = fc.tuple(shapeArb(1, 2), dim, seedArb).chain(([lead, classes, seed]) =>
      fc
        .array(fc.integer({ min: -1, max: classes }), { minLength: T.sizeOf(lead), maxLength: T.sizeOf(lead) })
        .filter((ts) => ts.some((t) => t >= 0 && t < classes))
        .map((ts) => ({ lead, classes, seed, targets: ts.map((t) => (t === classes ? -1 : t)) })),
    );
    fc.assert(
      fc.property(caseArb, ({ lead, classes, seed, targets }) => {
        const ids = T.tensor(targets, { dtype: 'int32' }).reshape(lead);
        const logits = randomTensor([...lead, classes], seed, { low: -6, high: 6 });
        const options = { ignoreIndex: -1 };
        expectSameLayer(
          (x) => crossEntropy(x!, ids, options),
          (x) => crossEntropyComposed(x!, ids, options),
          [logits],
          seed + 1,
          1e-13,
        );
      }),
      { numRuns: 30 },
    );
  });
});

describe('fused layers in float32', () => {
  it('round once where the composed forms round at every step: equal within float32 rounding', () => {
    const x = randomTensor([4, 16], 7, { dtype: 'float32', low: -5, high: 5 });
    expectSameLayer(
      (v) => geluTanh(v!),
      (v) => geluTanhComposed(v!),
      [x],
      8,
      1e-6,
    );
    expectSameLayer(
      (v) => gelu(v!),
      (v) => geluComposed(v!),
      [x],
      8,
      1e-6,
    );
    expectSameLayer(layerNormFused, layerNormReference, [x, ...affineFor([16], 9, 'float32')], 10, 1e-5);
    const ids = T.tensor([3, 0, 15, 9], { dtype: 'int32' });
    expectSameLayer(
      (v) => crossEntropy(v!, ids),
      (v) => crossEntropyComposed(v!, ids),
      [x],
      11,
      1e-6,
    );
  });

  it('layerNorm keeps its accuracy on rows far from zero (float64 statistics)', () => {
    // Rows near 1e4 with a spread of 0.1, in float32: μ rounded to float32 would be off by up
    // to 5e-4, 0.5 % of the spread. The kernel keeps μ and σ² in float64, so its output
    // matches float64 LayerNorm of the same numbers to float32 precision.
    const rows = T.cast(T.add(T.mul(randomTensor([3, 32], 12), 0.05), 1e4), 'float32');
    const [w, b] = affineFor([32], 13, 'float32');
    const exact = A.layerNorm(T.cast(rows, 'float64'), T.cast(w!, 'float64'), T.cast(b!, 'float64'));
    const single = A.layerNorm(rows, w!, b!);
    expect(relativeError(single.value.dataSync(), exact.value.dataSync())).toBeLessThan(1e-6);
  });
});

const f64 = (values: number[]) => T.tensor(values, { dtype: 'float64' });
/** The gradient of Σ layer(x) with respect to x. */
function gradientOf(layer: (x: Variable) => Variable, x: T.Tensor): T.TypedArray {
  const v = A.variable(x, { requiresGrad: true });
  A.sum(layer(v)).backward();
  return v.grad!.dataSync();
}

describe('special values', () => {
  it('gelu: ±0 stay ±0, large |x| gives x or 0 with slope 1 or 0, NaN propagates', () => {
    for (const approximate of ['none', 'tanh'] as const) {
      const layer = (x: Variable) => A.gelu(x, approximate);
      const out = layer(A.variable(f64([-0, 0, 40, -40, 1e200, Number.NaN]))).value.dataSync();
      expect(Object.is(out[0], -0) && Object.is(out[1], 0)).toBe(true);
      expect([...out.slice(2, 5)]).toEqual([40, -0, 1e200]);
      expect(out[5]).toBeNaN();
      // x·x·x overflows at 1e200; the slope there is still exactly 1 (no 0·∞).
      expect([...gradientOf(layer, f64([40, -40, 1e200, -1e200, 0]))]).toEqual([1, 0, 1, 0, 0.5]);
    }
  });

  it('layerNorm: a constant row normalises to 0 (y = β) with finite gradients', () => {
    const x = A.variable(f64([3, 3, 3, 3]).reshape([1, 4]), { requiresGrad: true });
    const [w, b] = [A.variable(f64([1, 2, 3, 4]), { requiresGrad: true }), A.variable(f64([0.5, 0, -1, 2]))];
    const y = A.layerNorm(x, w, b);
    expect([...y.value.dataSync()]).toEqual([0.5, 0, -1, 2]);
    A.sum(A.mul(y, f64([1, -1, 2, 0.5]))).backward();
    // dx = rstd·(dŷ − mean dŷ) with x̂ = 0, rstd = 1/√ε; dγ = Σ g·x̂ = 0.
    const dy = [1, -2, 6, 2];
    const rstd = 1 / Math.sqrt(1e-5);
    const expected = dy.map((v) => rstd * (v - 7 / 4));
    expect(relativeError(x.grad!.dataSync(), expected)).toBeLessThan(1e-12);
    expect([...w.grad!.dataSync()]).toEqual([0, 0, 0, 0]);
  });

  it('crossEntropy: equal logits give log C and (1/C − onehot)/count; huge logits stay finite', () => {
    const targets = T.tensor([2, -100], { dtype: 'int32' });
    const equal = f64([5, 5, 5, 5, 1, 2, 3, 4]).reshape([2, 4]);
    expect(crossEntropy(A.variable(equal), targets).item()).toBeCloseTo(Math.log(4), 15);
    expect([...gradientOf((x) => crossEntropy(x, targets), equal)]).toEqual([0.25, 0.25, -0.75, 0.25, 0, 0, 0, 0]);
    const huge = T.tensor([1e30, 0, -1e30, 3e38, 3e38, -3e38], { dtype: 'float32' }).reshape([2, 3]);
    const loss = crossEntropy(A.variable(huge), T.tensor([1, 0], { dtype: 'int32' }));
    expect(loss.item()).toBeCloseTo((1e30 + Math.log(2)) / 2, -24);
    const grad = gradientOf((x) => crossEntropy(x, T.tensor([1, 0], { dtype: 'int32' })), huge);
    expect([...grad]).toEqual([0.5, -0.5, 0, -0.25, 0.25, 0]);
  });
});
