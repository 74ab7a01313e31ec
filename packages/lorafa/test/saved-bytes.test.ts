/**
 * Table 1, measured: the tape's saved activation bytes of one adapted linear are exactly
 * b·s·r (LoRA-FA), b·s·(in + r) (LoRA) and b·s·in (LoRA-FB, Full-FT), for random shapes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { Linear } from '@lorafa/nn';
import type { LoraMethod } from '@lorafa/lorafa';
import { LoraLinear, loraFaLinear, loraLinear, savedBytesPerLinear } from '@lorafa/lorafa';
import { loraLayerShapeArb, seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

function layerFor(
  method: LoraMethod,
  s: { inFeatures: number; outFeatures: number; rank: number; dtype: T.FloatDType },
  seed: number,
) {
  const rng = new T.Rng(seed);
  const base = new Linear(s.inFeatures, s.outFeatures, { dtype: s.dtype, rng });
  return new LoraLinear(base, { method, rank: s.rank, alpha: 2 * s.rank, init: 'kaiming-uniform', rng, name: 'layer' });
}

describe('saved activation bytes of one adapted linear equal Table 1', () => {
  it.each(['full', 'lora', 'lora-fa', 'lora-fb'] as LoraMethod[])('%s', (method) => {
    fc.assert(
      fc.property(loraLayerShapeArb, seedArb, fc.boolean(), (s, seed, inputNeedsGrad) => {
        const layer = layerFor(method, s, seed);
        // X is the output of an earlier layer (needs a gradient) or the data itself (does not).
        const x = A.variable(T.randn([s.batch, s.seq, s.inFeatures], { dtype: s.dtype, rng: new T.Rng(seed + 1) }), {
          requiresGrad: inputNeedsGrad,
        });
        const tape = new A.Tape();
        const y = A.withTape(tape, () => tape.scope('layer', () => layer.forward(x)));
        const expected = savedBytesPerLinear(method, {
          tokens: s.batch * s.seq,
          inFeatures: s.inFeatures,
          rank: s.rank,
          bytes: T.bytesPerElement(s.dtype),
        });
        expect(tape.savedBytes().scopes['layer']?.live ?? 0).toBe(expected);
        expect(tape.savedBytes().live).toBe(expected);
        A.sum(y).backward();
        expect(tape.savedBytes().live).toBe(0);
      }),
      { numRuns: 30 },
    );
  });
});

describe('the LoRA-FA custom op', () => {
  it("returns LoRA's dX and dB (and bias gradient) while saving only H", () => {
    fc.assert(
      fc.property(loraLayerShapeArb, seedArb, (s, seed) => {
        const rng = new T.Rng(seed);
        const opts = { dtype: 'float64' as const, rng };
        const w0 = A.parameter(T.randn([s.outFeatures, s.inFeatures], opts), 'w0', { trainable: false });
        const bias = A.parameter(T.randn([s.outFeatures], opts), 'bias');
        const a = A.parameter(T.randn([s.rank, s.inFeatures], opts), 'A', { trainable: false });
        const b = A.parameter(T.randn([s.outFeatures, s.rank], opts), 'B');
        const xValue = T.randn([s.batch, s.seq, s.inFeatures], opts);
        const upstream = T.randn([s.batch, s.seq, s.outFeatures], opts);
        const run = (layer: typeof loraLinear) => {
          const x = A.variable(xValue, { requiresGrad: true });
          for (const p of [b, bias]) p.zeroGrad();
          const y = layer(x, w0, a, b, bias, 1.7);
          y.backward(upstream);
          return { y: y.value, dx: x.grad!, db: b.grad!, dbias: bias.grad! };
        };
        const fa = run(loraFaLinear);
        const reference = run(loraLinear);
        for (const key of ['y', 'dx', 'db', 'dbias'] as const) {
          expect(fa[key].shape).toEqual(reference[key].shape);
          expect(relativeError(fa[key].dataSync(), reference[key].dataSync())).toBeLessThan(1e-12);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('passes gradcheck for X, B and the bias', () => {
    const rng = new T.Rng(3);
    const opts = { dtype: 'float64' as const, rng };
    const w0 = A.parameter(T.randn([4, 5], opts), 'w0', { trainable: false });
    const a = A.parameter(T.randn([2, 5], opts), 'A', { trainable: false });
    const error = A.gradcheck(
      (x, b, bias) => loraFaLinear(x!, w0, a, b!, bias!, 0.5),
      [T.randn([2, 3, 5], opts), T.randn([4, 2], opts), T.randn([4], opts)],
    );
    expect(error).toBeLessThan(1e-6);
  });

  it('refuses a trainable A or W0', () => {
    const w0 = A.parameter(T.ones([2, 3]), 'w0', { trainable: false });
    const a = A.parameter(T.ones([1, 3]), 'A');
    const b = A.parameter(T.ones([2, 1]), 'B');
    expect(() => loraFaLinear(A.variable(T.ones([1, 3])), w0, a, b, null, 1)).toThrow(
      /loraFA: W0 and A must be frozen/,
    );
  });
});
