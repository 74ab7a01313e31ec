/**
 * estimateStepMemory: the activations outside the adapted linears, worked out by hand for a
 * one-block Llama, and the paper's Figure 4(a) setting stated from it.
 */
import { describe, expect, it } from 'vitest';
import type { AttentionKind } from '@lorafa/lorafa';
import { estimateMemory, estimateStepMemory, llamaSpec, MODEL_PRESETS } from '@lorafa/lorafa';

const GiB = 2 ** 30;
const byMethod = <R extends { method: string }>(rows: R[]) => Object.fromEntries(rows.map((r) => [r.method, r]));

describe('estimateStepMemory', () => {
  // One block, h 4, 2 heads of 2 (one kv head: k, v are 2 wide), ffn 6, vocab 10; batch 1 x seq 3, r 1, 16-bit.
  const spec = llamaSpec({ name: 'tiny', hidden: 4, layers: 1, heads: 2, kvHeads: 1, ffn: 6, vocab: 10 });
  const options = { batch: 1, seq: 3, rank: 1 };

  it('standard attention: norms 2h, q k v (h + 2·kv), probabilities a·s, SwiGLU 3f, final norm h, float32 log-probabilities', () => {
    // Per token: (8 + 8 + 6 + 18) x 2 bytes = 80 in the block, + 4 x 2 + 10 x 4 = 48 outside: 128; 3 tokens.
    const rows = byMethod(estimateStepMemory(spec, { ...options, attention: 'standard' }));
    for (const method of ['full', 'lora', 'lora-fa', 'lora-fb']) expect(rows[method]!.otherActivations).toBe(3 * 128);
    const plain = byMethod(estimateMemory(spec, options));
    expect(rows['lora']!.stepTotal).toBe(plain['lora']!.total + 384);
  });

  it("memory-efficient attention: a float32 log-sum-exp per head instead of the probabilities, and the output where o_proj doesn't save it", () => {
    const rows = byMethod(estimateStepMemory(spec, { ...options, attention: 'memory-efficient' }));
    // LoRA: (8 + 8 + 18) x 2 + 2 heads x 4 bytes = 76, + 48: 124 per token. LoRA-FA also keeps the output (4 x 2): 132.
    expect(rows['lora']!.otherActivations).toBe(3 * 124);
    expect(rows['lora-fa']!.otherActivations).toBe(3 * 132);
    // With o_proj not adapted, LoRA does not save its input either: the attention op keeps the output.
    const partial = byMethod(
      estimateStepMemory(spec, { ...options, attention: 'memory-efficient', targets: ['q_proj'] }),
    );
    expect(partial['lora']!.otherActivations).toBe(3 * 132);
    expect(() => estimateStepMemory(spec, { ...options, attention: 'flash' as AttentionKind })).toThrow(
      /unknown attention 'flash'/,
    );
  });

  it("states the paper's Figure 4(a): Llama2-7B, batch 1, r 64, memory-efficient attention, 16-bit", () => {
    const at = (seq: number, attention: AttentionKind) =>
      byMethod(estimateStepMemory(MODEL_PRESETS['llama2-7b']!, { batch: 1, seq, rank: 64, attention }));
    // Seq 2048 on a 24 GiB GPU: LoRA-FA fits, LoRA does not; with standard attention neither does.
    expect(at(2048, 'memory-efficient')['lora-fa']!.stepTotal).toBeLessThan(24 * GiB);
    expect(at(2048, 'memory-efficient')['lora']!.stepTotal).toBeGreaterThan(24 * GiB);
    expect(at(2048, 'standard')['lora-fa']!.stepTotal).toBeGreaterThan(24 * GiB);
    // Seq 4096 on a 40 GiB GPU: LoRA-FA fits.
    expect(at(4096, 'memory-efficient')['lora-fa']!.stepTotal).toBeLessThan(40 * GiB);
  });
});
