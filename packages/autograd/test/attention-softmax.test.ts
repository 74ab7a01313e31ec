/**
 * The fused attention softmax (attentionSoftmax): its gradient against finite differences, its
 * values and gradients against the composed reference (scale, mask, softmax from primitives) on
 * the CPU kernels and on a backend without fused kernels, and the bytes it saves (the weights
 * alone, counted once with the product by v that saves them too).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { randomTensor, seedArb } from '../../../test/support/arbitraries.js';
import { createDeferredBackend } from '../../../test/support/deferred-backend.js';
import { relativeError } from '../../../test/support/matchers.js';

const device = createDeferredBackend('deferred-attention-softmax');
T.registerBackend(device);

/** Scores [...batch, queries, keys] with keys ≥ queries (a query always sees some key). */
const scoresArb = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    queries: fc.integer({ min: 1, max: 6 }),
    extraKeys: fc.integer({ min: 0, max: 3 }),
    scale: fc.constantFrom(1, 0.125, 0.7),
    causal: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => ({ ...c, shape: [...c.batch, c.queries, c.queries + c.extraKeys] }));

/** The reference: the softmax composed from recorded primitives, the future set to −∞ first. */
function composed(scores: Variable, scale: number, causal: boolean): Variable {
  const scaled = A.mul(scores, scale);
  if (!causal) return A.softmax(scaled, -1);
  const [queries, keys] = scores.shape.slice(-2) as [number, number];
  const query = T.arange(0, queries, 1, { dtype: 'int32' }).reshape([queries, 1]);
  const key = T.arange(0, keys, 1, { dtype: 'int32' }).reshape([1, keys]);
  return A.softmax(A.where(T.greater(key, T.add(query, keys - queries)), -Infinity, scaled), -1);
}

function valuesAndGradient(fn: (x: Variable) => Variable, scores: T.Tensor, cotangent: T.Tensor) {
  const x = A.variable(scores, { requiresGrad: true });
  const y = fn(x);
  A.sum(A.mul(y, cotangent)).backward();
  return { y: y.value.dataSync(), grad: x.grad!.dataSync() };
}

describe('attentionSoftmax', () => {
  it('has the gradient finite differences give (float64, random shapes, causal and not)', () => {
    fc.assert(
      fc.property(scoresArb, (c) => {
        const scores = randomTensor(c.shape, c.seed, { low: -3, high: 3 });
        expect(A.gradcheck((x) => A.attentionSoftmax(x!, c.scale, c.causal), [scores])).toBeLessThan(1e-6);
      }),
      { numRuns: 30 },
    );
  });

  it('equals the composed softmax in values and gradients, the future exactly 0', () => {
    fc.assert(
      fc.property(scoresArb, (c) => {
        const scores = randomTensor(c.shape, c.seed, { low: -30, high: 30 });
        const cotangent = randomTensor(c.shape, c.seed + 1);
        const fused = valuesAndGradient((x) => A.attentionSoftmax(x, c.scale, c.causal), scores, cotangent);
        const reference = valuesAndGradient((x) => composed(x, c.scale, c.causal), scores, cotangent);
        expect(relativeError(fused.y, reference.y)).toBeLessThan(1e-13);
        // A near one-hot row has gradient y ⊙ (g − Σ g y) ≈ 0 from cancellation, computed to an
        // absolute error of a few ε·scale·|g|: compare on that scale, not the gradient's own.
        const bound = c.scale * Math.max(...Array.from(cotangent.dataSync(), Math.abs));
        fused.grad.forEach((v, i) => expect(Math.abs(v - reference.grad[i]!)).toBeLessThan(1e-13 * bound));
        if (c.causal) {
          const [queries, keys] = c.shape.slice(-2) as [number, number];
          fused.y.forEach((v, i) => {
            const [query, key] = [Math.floor(i / keys) % queries, i % keys];
            if (key > query + keys - queries) expect(v).toBe(0);
          });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('composes the same values, gradients and saved bytes on a backend without fused kernels', async () => {
    expect(device.fused).toBeUndefined();
    const scores = randomTensor([2, 3, 4, 6], 7, { low: -4, high: 4 });
    const cotangent = randomTensor([2, 3, 4, 6], 8);
    const run = async (backend: string) => {
      const x = A.variable(await T.toBackend(scores, backend), { requiresGrad: true });
      const tape = new A.Tape();
      const y = A.withTape(tape, () => A.attentionSoftmax(x, 0.5, true));
      const saved = tape.savedBytes().live;
      const g = await T.toBackend(cotangent, backend);
      A.withTape(tape, () => A.sum(A.mul(y, g))).backward();
      return { y: await y.value.data(), grad: await x.grad!.data(), saved };
    };
    const [cpu, unfused] = [await run('cpu'), await run(device.name)];
    expect(unfused.saved).toBe(cpu.saved);
    expect(relativeError(unfused.y, cpu.y)).toBeLessThan(1e-13);
    expect(relativeError(unfused.grad, cpu.grad)).toBeLessThan(1e-12);
  });

  it('saves the weights alone, which the product with v saves too: counted once', () => {
    const scores = A.variable(T.ones([2, 3, 5, 5]), { requiresGrad: true });
    const v = A.variable(T.ones([2, 3, 5, 4]), { requiresGrad: true });
    const tape = new A.Tape();
    A.withTape(tape, () => A.attentionSoftmax(scores, 0.5, true));
    expect(tape.savedBytes().live).toBe(2 * 3 * 5 * 5 * 4); // the float32 weights
    const both = new A.Tape();
    A.withTape(both, () => A.matmul(A.attentionSoftmax(scores, 0.5, true), v));
    expect(both.savedBytes().live).toBe(2 * 3 * 5 * 5 * 4 + 2 * 3 * 5 * 4 * 4); // weights once, and v
  });
});
