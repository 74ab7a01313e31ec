/**
 * gpt2StepFlops: a step's matrix-product FLOPs, worked out by hand for a one-block GPT-2, and
 * LoRA-FA's saving over LoRA (the dA products it never computes).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gpt2Spec, gpt2StepFlops } from '@lorafa/lorafa';

// d 4, one block, one head, inner 16, vocab 10. Linears: c_attn 4 → 12, attn.c_proj 4 → 4,
// c_fc 4 → 16, mlp.c_proj 16 → 4: dense 2·in·out per token = 96 + 32 + 128 + 128 = 384.
const spec = gpt2Spec({ name: 'tiny', nEmbd: 4, nLayer: 1, nHead: 1, vocab: 10, nPositions: 8 });
const shape = { batch: 1, seq: 2, rank: 1 };

describe('gpt2StepFlops', () => {
  it('counts each method by hand (batch 1 x seq 2, r 1)', () => {
    // Attention: 4·T²·d = 64 forward, 128 backward. Head: 2·N·d·vocab = 160.
    // Adapter forward 2r(in + out) = 128 per token; backward G B, (G B) A: 128; dB 2r·out = 72; dA 2r·in = 56.
    expect(gpt2StepFlops(spec, { ...shape, method: 'lora-fa' })).toEqual({
      forward: 2 * (384 + 128) + 64 + 160,
      backward: 2 * (384 + 128 + 72) + 128 + 160,
      total: 1248 + 1456,
    });
    expect(gpt2StepFlops(spec, { ...shape, method: 'lora' }).backward).toBe(2 * (384 + 128 + 72 + 56) + 128 + 160);
    expect(gpt2StepFlops(spec, { ...shape, method: 'lora-fb' }).backward).toBe(2 * (384 + 128 + 56) + 128 + 160);
    expect(gpt2StepFlops(spec, { ...shape, method: 'full' })).toEqual({
      forward: 2 * 384 + 64 + 160,
      backward: 2 * 768 + 128 + 320,
      total: 992 + 1984,
    });
    // The memory-efficient op recomputes Q Kᵀ in backward: 2·T²·d more.
    expect(
      gpt2StepFlops(spec, { ...shape, method: 'lora', attention: 'memory-efficient' }).backward -
        gpt2StepFlops(spec, { ...shape, method: 'lora' }).backward,
    ).toBe(32);
    // Targets match as finetune's --targets do: 'c_proj' adapts attn.c_proj and mlp.c_proj.
    expect(gpt2StepFlops(spec, { ...shape, method: 'lora', targets: ['c_attn', 'c_proj', 'c_fc'] })).toEqual(
      gpt2StepFlops(spec, { ...shape, method: 'lora' }),
    );
  });

  it('LoRA-FA computes exactly 2·N·r·Σin fewer FLOPs per step than LoRA', () => {
    fc.assert(
      fc.property(
        fc.record({
          nEmbd: fc.integer({ min: 1, max: 64 }),
          nLayer: fc.integer({ min: 1, max: 4 }),
          batch: fc.integer({ min: 1, max: 4 }),
          seq: fc.integer({ min: 1, max: 64 }),
          rank: fc.integer({ min: 1, max: 16 }),
        }),
        ({ nEmbd, nLayer, ...o }) => {
          const s = gpt2Spec({ name: 's', nEmbd, nLayer, nHead: 1, vocab: 50, nPositions: 64 });
          const saving =
            gpt2StepFlops(s, { ...o, method: 'lora' }).total - gpt2StepFlops(s, { ...o, method: 'lora-fa' }).total;
          expect(saving).toBe(2 * o.batch * o.seq * o.rank * nLayer * (nEmbd * 3 + 4 * nEmbd));
        },
      ),
    );
  });
});
