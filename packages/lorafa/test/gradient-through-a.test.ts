/**
 * The LoRA-FA gradient is the full gradient seen through A (docs/theory.md, "The gradients LoRA
 * needs"): on the real ops, dB = s · dW · Aᵀ and LoRA's dA = s · Bᵀ · dW, where dW is the
 * gradient a full fine-tuning Linear with the same effective weight W0 + s B A gets on the same
 * loss. Random shapes, batch/sequence dimensions, bias on or off, float64.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Linear } from '@lorafa/nn';
import { loraFaLinear, loraLinear } from '@lorafa/lorafa';
import { seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';
import { f64 } from './support/models.js';

const layerArb = fc.record({
  leading: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), // tokens, or batch x sequence
  inFeatures: fc.integer({ min: 1, max: 6 }),
  outFeatures: fc.integer({ min: 1, max: 5 }),
  r: fc.integer({ min: 1, max: 4 }),
  bias: fc.boolean(),
  s: fc.double({ min: 0.1, max: 4, noNaN: true }),
  seed: seedArb,
});
type Layer = typeof layerArb extends fc.Arbitrary<infer L> ? L : never;

const TOLERANCE = 1e-10;
const expectClose = (actual: T.Tensor, expected: T.Tensor) => {
  expect(actual.shape).toEqual(expected.shape);
  expect(relativeError(actual.dataSync(), expected.dataSync())).toBeLessThan(TOLERANCE);
};

/** Random tensors for one layer, and a nonlinear loss L(Y) = Σ C ⊙ tanh(Y). */
function draw({ leading, inFeatures, outFeatures, r, seed }: Layer) {
  const rng = new T.Rng(seed);
  const x = T.randn([...leading, inFeatures], f64(rng));
  const w0 = T.randn([outFeatures, inFeatures], f64(rng));
  const a = T.randn([r, inFeatures], f64(rng));
  const b = T.randn([outFeatures, r], f64(rng));
  const bias = T.randn([outFeatures], f64(rng));
  const c = A.variable(T.randn([...leading, outFeatures], f64(rng)));
  return { x, w0, a, b, bias, loss: (y: Variable) => A.sum(A.mul(A.tanh(y), c)) };
}

/** Full fine-tuning: a Linear with weight W0 + s B A; its gradients dW, dX and db. */
function fullFineTuning(layer: Layer, t: ReturnType<typeof draw>) {
  const linear = new Linear(layer.inFeatures, layer.outFeatures, { bias: layer.bias, dtype: 'float64' });
  linear.weight.assign(T.add(t.w0, T.mul(T.matmul(t.b, t.a), layer.s)));
  if (layer.bias) linear.bias!.assign(t.bias);
  const x = A.parameter(t.x);
  t.loss(linear.call(x)).backward();
  return { dW: linear.weight.grad!, dX: x.grad!, dBias: linear.bias?.grad ?? null };
}

describe('The LoRA-FA gradient is the full gradient seen through A', () => {
  it('loraFaLinear: dB = s · dW · Aᵀ, and dX, db equal full fine-tuning’s', () => {
    fc.assert(
      fc.property(layerArb, (layer) => {
        const t = draw(layer);
        const full = fullFineTuning(layer, t);
        const x = A.parameter(t.x);
        const b = A.parameter(t.b);
        const bias = layer.bias ? A.parameter(t.bias) : null;
        const y = loraFaLinear(x, A.variable(t.w0), A.variable(t.a), b, bias, layer.s);
        t.loss(y).backward();
        expectClose(b.grad!, T.mul(T.matmul(full.dW, t.a.transpose()), layer.s));
        expectClose(x.grad!, full.dX);
        if (bias) expectClose(bias.grad!, full.dBias!);
      }),
      { numRuns: 60 },
    );
  });

  it('loraLinear (LoRA): dA = s · Bᵀ · dW and dB = s · dW · Aᵀ', () => {
    fc.assert(
      fc.property(layerArb, (layer) => {
        const t = draw(layer);
        const full = fullFineTuning(layer, t);
        const x = A.parameter(t.x);
        const a = A.parameter(t.a);
        const b = A.parameter(t.b);
        const bias = layer.bias ? A.parameter(t.bias) : null;
        t.loss(loraLinear(x, A.variable(t.w0), a, b, bias, layer.s)).backward();
        expectClose(a.grad!, T.mul(T.matmul(t.b.transpose(), full.dW), layer.s));
        expectClose(b.grad!, T.mul(T.matmul(full.dW, t.a.transpose()), layer.s));
        expectClose(x.grad!, full.dX);
        if (bias) expectClose(bias.grad!, full.dBias!);
      }),
      { numRuns: 60 },
    );
  });

  it('loraFaLinear computes the forward W0 + s B A as well (Y equals the full layer’s output)', () => {
    fc.assert(
      fc.property(layerArb, (layer) => {
        const t = draw(layer);
        const linear = new Linear(layer.inFeatures, layer.outFeatures, { bias: layer.bias, dtype: 'float64' });
        linear.weight.assign(T.add(t.w0, T.mul(T.matmul(t.b, t.a), layer.s)));
        if (layer.bias) linear.bias!.assign(t.bias);
        const x = A.variable(t.x);
        const bias = layer.bias ? A.variable(t.bias) : null;
        const y = loraFaLinear(x, A.variable(t.w0), A.variable(t.a), A.parameter(t.b), bias, layer.s);
        expectClose(y.value, linear.call(x).value);
      }),
      { numRuns: 30 },
    );
  });
});
