/**
 * Table 1 by kind, measured: what one adapted linear saves is X (its input, N·in numbers) for
 * Full-FT and LoRA-FB, X and H = X Aᵀ (N·r) for LoRA, and H alone for LoRA-FA, as the tape's
 * kind labels say (`savedBytes().kinds`), for random shapes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { Linear } from '@lorafa/nn';
import type { LoraMethod } from '@lorafa/lorafa';
import { LoraLinear } from '@lorafa/lorafa';
import { loraLayerShapeArb, seedArb } from '../../../test/support/arbitraries.js';

/** Which of X and H each method keeps (Table 1 of the paper). */
const KEEPS: Record<LoraMethod, { X: boolean; H: boolean }> = {
  full: { X: true, H: false },
  lora: { X: true, H: true },
  'lora-fa': { X: false, H: true },
  'lora-fb': { X: true, H: false },
};

describe("one adapted linear's saved bytes by kind", () => {
  it.each(Object.keys(KEEPS) as LoraMethod[])('%s', (method) => {
    fc.assert(
      fc.property(loraLayerShapeArb, seedArb, fc.boolean(), (s, seed, inputNeedsGrad) => {
        const rng = new T.Rng(seed);
        const base = new Linear(s.inFeatures, s.outFeatures, { dtype: s.dtype, rng });
        const layer = new LoraLinear(base, { method, rank: s.rank, alpha: 2 * s.rank, init: 'kaiming-uniform', rng });
        const x = A.variable(T.randn([s.batch, s.seq, s.inFeatures], { dtype: s.dtype, rng }), {
          requiresGrad: inputNeedsGrad,
        });
        const tape = new A.Tape();
        A.withTape(tape, () => tape.scope('layer', () => layer.forward(x)));
        const bytes = T.bytesPerElement(s.dtype);
        const tokens = s.batch * s.seq;
        const expected: Record<string, { live: number; peak: number }> = {};
        if (KEEPS[method].X)
          expected['X'] = { live: tokens * s.inFeatures * bytes, peak: tokens * s.inFeatures * bytes };
        if (KEEPS[method].H) expected['H'] = { live: tokens * s.rank * bytes, peak: tokens * s.rank * bytes };
        expect(tape.savedBytes().kinds).toEqual({ layer: expected });
      }),
      { numRuns: 25 },
    );
  });
});
