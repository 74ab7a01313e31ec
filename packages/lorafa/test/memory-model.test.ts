import { describe, expect, it } from 'vitest';
import { estimateMemory, MODEL_PRESETS, parameterCount } from '@lorafa/lorafa';

const byMethod = (rows: ReturnType<typeof estimateMemory>) => Object.fromEntries(rows.map((r) => [r.method, r]));

describe('memory model', () => {
  it('knows the parameter counts of its presets', () => {
    expect(parameterCount(MODEL_PRESETS['llama2-7b']!)).toBe(6_738_415_616);
    expect(parameterCount(MODEL_PRESETS['gpt2']!)).toBe(124_439_808);
    expect(parameterCount(MODEL_PRESETS['gpt2-medium']!)).toBe(354_823_168);
    expect(parameterCount(MODEL_PRESETS['llama3-8b']!)).toBe(8_030_261_248);
  });

  it("reproduces the paper's example: Llama2-7B, batch 8, seq 1024, 16-bit — LoRA-FA saves at least 18 GB of activations over LoRA", () => {
    const rows = byMethod(estimateMemory(MODEL_PRESETS['llama2-7b']!, { batch: 8, seq: 1024, rank: 64 }));
    const saving = rows['lora']!.activations - rows['lora-fa']!.activations;
    // Per token and block the inputs of q, k, v, o, gate, up (4096 each) and down (11008): 35,584 values.
    expect(saving).toBe(32 * 8 * 1024 * 35_584 * 2);
    expect(saving).toBeGreaterThanOrEqual(18e9);
    // H = X Aᵀ: 7 linears x r per token and block, the same for LoRA and LoRA-FA.
    expect(rows['lora-fa']!.activations).toBe(32 * 8 * 1024 * 7 * 64 * 2);
    expect(rows['lora-fb']!.activations).toBe(rows['full']!.activations);
  });

  it('reports the figure with shared inputs counted once (q/k/v and gate/up share theirs)', () => {
    const rows = byMethod(
      estimateMemory(MODEL_PRESETS['llama2-7b']!, { batch: 8, seq: 1024, rank: 64, shareInputs: true }),
    );
    expect(rows['lora']!.activations - rows['lora-fa']!.activations).toBe(32 * 8 * 1024 * (4096 * 3 + 11008) * 2);
  });

  it('counts trainable parameters, gradients and optimizer state per method (Table 1)', () => {
    const spec = MODEL_PRESETS['llama2-7b']!;
    const rows = byMethod(estimateMemory(spec, { batch: 1, seq: 1, rank: 8, weightBytes: 4 }));
    const perBlock = { inSum: 4096 * 6 + 11008, outSum: 4096 * 4 + 11008 * 2 + 4096 };
    expect(rows['lora']!.trainableParameters).toBe(32 * 8 * (perBlock.inSum + perBlock.outSum));
    expect(rows['lora-fa']!.trainableParameters).toBe(32 * 8 * perBlock.outSum);
    expect(rows['lora-fb']!.trainableParameters).toBe(32 * 8 * perBlock.inSum);
    expect(rows['full']!.trainableParameters).toBe(parameterCount(spec));
    for (const row of Object.values(rows)) {
      expect(row.grads).toBe(row.trainableParameters * 4);
      expect(row.optimizer).toBe(row.trainableParameters * 8);
      expect(row.total).toBe(row.weights + row.grads + row.optimizer + row.activations);
    }
  });

  it('rejects bad inputs by name', () => {
    expect(() => estimateMemory(MODEL_PRESETS['gpt2']!, { batch: 0, seq: 1, rank: 1 })).toThrow(
      /memory model: batch must be a positive integer, got 0/,
    );
    expect(() => estimateMemory(MODEL_PRESETS['gpt2']!, { batch: 1, seq: 1, rank: 1, targets: ['q_proj'] })).toThrow(
      /gpt2 has no linear q_proj/,
    );
  });
});
