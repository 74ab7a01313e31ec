/**
 * The whole-model activation model (gpt2SavedActivations) against the tape: for random small
 * GPT-2 shapes, methods, ranks, numbers of adapted blocks and both attentions, the bytes the
 * tape holds after forward and loss equal the model's total, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AttentionKind } from '@lorafa/lorafa';
import { gpt2SavedActivations, gpt2Spec } from '@lorafa/lorafa';
import type { Gpt2Point as Point } from '../../../test/support/gpt2-points.js';
import { gpt2PointArb as pointArb, modelledActivations, tapeAfterLoss } from '../../../test/support/gpt2-points.js';

/** The tape's live saved bytes after one forward and the causal-LM loss. */
const measured = (p: Point): number => tapeAfterLoss(p).savedBytes().live;
const predicted = (p: Point): number => modelledActivations(p).total;

describe("gpt2SavedActivations equals the tape's saved bytes", () => {
  it('for random shapes, methods, ranks, adapted blocks and attentions', () => {
    fc.assert(
      fc.property(pointArb, (p) => {
        expect(predicted(p)).toBe(measured(p));
      }),
      { numRuns: 60 },
    );
  });

  it('each step of rank adds N per adapted linear to LoRA and LoRA-FA, nothing to LoRA-FB', () => {
    const base: Point = {
      nEmbd: 8,
      nHead: 2,
      nLayer: 2,
      vocab: 7,
      batch: 1,
      seq: 5,
      rank: 1,
      method: 'lora-fa',
      adaptedBlocks: 2,
      attention: 'standard',
    };
    const step = (p: Point) => predicted({ ...p, rank: 2 }) - predicted(p);
    expect(step(base)).toBe(2 * 4 * 5 * 4); // 2 blocks x 4 linears x 5 tokens x 4 bytes
    expect(step({ ...base, method: 'lora' })).toBe(2 * 4 * 5 * 4);
    expect(step({ ...base, method: 'lora-fb' })).toBe(0);
    for (const p of [base, { ...base, method: 'lora' as const }, { ...base, method: 'full' as const }])
      expect(predicted(p)).toBe(measured(p));
  });

  it('with no adapted block nothing is saved; Full-FT ignores adaptedBlocks', () => {
    const spec = gpt2Spec({ name: 'tiny', nEmbd: 8, nLayer: 2, nHead: 2, vocab: 7, nPositions: 16 });
    const o = { batch: 2, seq: 4, rank: 2, adaptedBlocks: 0 };
    expect(gpt2SavedActivations(spec, { ...o, method: 'lora-fa' }).total).toBe(0);
    expect(gpt2SavedActivations(spec, { ...o, method: 'full' }).total).toBe(
      gpt2SavedActivations(spec, { ...o, method: 'full', adaptedBlocks: 2 }).total,
    );
  });

  it('names bad arguments', () => {
    const spec = gpt2Spec({ name: 'tiny', nEmbd: 8, nLayer: 2, nHead: 2, vocab: 7, nPositions: 16 });
    const o = { method: 'lora' as const, batch: 1, seq: 4, rank: 2 };
    expect(() => gpt2SavedActivations(spec, { ...o, adaptedBlocks: 3 })).toThrow(
      /adaptedBlocks must be .* 0 to 2, got 3/,
    );
    expect(() => gpt2SavedActivations(spec, { ...o, seq: 0 })).toThrow(/seq must be a positive integer, got 0/);
    expect(() => gpt2SavedActivations(spec, { ...o, targets: ['q_proj'] })).toThrow(/has no linear q_proj/);
    expect(() => gpt2SavedActivations(spec, { ...o, attention: 'flash' as AttentionKind })).toThrow(
      /unknown attention 'flash'/,
    );
  });
});
