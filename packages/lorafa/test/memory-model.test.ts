import { describe, expect, it } from 'vitest';
import { GPT2 } from '@lorafa/nn';
import { estimateMemory, gpt2Spec, llamaSpec, MODEL_PRESETS, parameterCount } from '@lorafa/lorafa';

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

  it('matches a table worked out by hand for a one-block GPT-2 (d 4, inner 16, vocab 10, 8 positions; batch 2 x seq 3, r 2, 32-bit)', () => {
    // Linears (in → out, bias): c_attn 4 → 12, attn.c_proj 4 → 4, c_fc 4 → 16, mlp.c_proj 16 → 4.
    // Parameters: block 60 + 20 + 80 + 68 = 228; embeddings 40 + 32, two LayerNorms 16, ln_f 8: 324.
    // Adapters r(in + out): 32 + 16 + 40 + 40 = 128.  Trained: LoRA 128, LoRA-FA r·out = 72, LoRA-FB r·in = 56.
    // Saved per token: inputs 4 + 4 + 4 + 16 = 28, H 4 x 2 = 8; 6 tokens, 4 bytes each.
    // Weights 324 x 4 = 1296 (full) or (324 + 128) x 4 = 1808; gradients 4 and AdamW 8 bytes per trained parameter.
    const spec = gpt2Spec({ name: 'tiny', nEmbd: 4, nLayer: 1, nHead: 1, vocab: 10, nPositions: 8 });
    expect(parameterCount(spec)).toBe(324);
    expect(estimateMemory(spec, { batch: 2, seq: 3, rank: 2, weightBytes: 4, activationBytes: 4 })).toEqual([
      {
        method: 'full',
        trainableParameters: 324,
        weights: 1296,
        grads: 1296,
        optimizer: 2592,
        activations: 672,
        total: 5856,
      },
      {
        method: 'lora',
        trainableParameters: 128,
        weights: 1808,
        grads: 512,
        optimizer: 1024,
        activations: 864,
        total: 4208,
      },
      {
        method: 'lora-fa',
        trainableParameters: 72,
        weights: 1808,
        grads: 288,
        optimizer: 576,
        activations: 192,
        total: 2864,
      },
      {
        method: 'lora-fb',
        trainableParameters: 56,
        weights: 1808,
        grads: 224,
        optimizer: 448,
        activations: 672,
        total: 3152,
      },
    ]);
  });

  it('counts as many parameters as the GPT-2 module of the same shape holds', () => {
    const model = new GPT2(
      {
        vocab_size: 10,
        n_positions: 8,
        n_embd: 4,
        n_layer: 2,
        n_head: 1,
        layer_norm_epsilon: 1e-5,
        activation_function: 'gelu_new',
      },
      { seed: 0 },
    );
    const held = [...model.parameters()].reduce((n, p) => n + p.value.size, 0);
    expect(parameterCount(gpt2Spec({ name: 'tiny', nEmbd: 4, nLayer: 2, nHead: 1, vocab: 10, nPositions: 8 }))).toBe(
      held,
    );
  });

  it('counts q/k/v and gate/up inputs once with shareInputs (a one-block Llama, d 4, ffn 6, batch 2 x seq 3, r 1, 16-bit)', () => {
    // Inputs per token: q, k, v, o 4 each, gate and up 4 each, down 6: 30 separately; shared, 4 + 4 + 4 + 6 = 18.
    // LoRA-FA saves H only, so its saving over LoRA is the inputs: 6 tokens x 2 bytes x 30 (or 18).
    const spec = llamaSpec({ name: 'tiny-llama', hidden: 4, layers: 1, heads: 1, ffn: 6, vocab: 10 });
    const saving = (shareInputs: boolean) => {
      const rows = byMethod(estimateMemory(spec, { batch: 2, seq: 3, rank: 1, shareInputs }));
      return rows['lora']!.activations - rows['lora-fa']!.activations;
    };
    expect(saving(false)).toBe(360);
    expect(saving(true)).toBe(216);
    const rows = byMethod(estimateMemory(spec, { batch: 2, seq: 3, rank: 1 }));
    expect(rows['lora-fa']!.activations).toBe(84); // H: 7 linears x r 1 x 6 tokens x 2 bytes
    expect(rows['lora']!.optimizer).toBe(12 * rows['lora']!.trainableParameters); // 16-bit: fp32 master + 2 moments
  });

  it('describes the block linears of its architectures (names, shapes, biases, shared inputs), GQA included', () => {
    const linear = (name: string, inFeatures: number, outFeatures: number, inputGroup: string, bias = false) => ({
      name,
      inFeatures,
      outFeatures,
      bias,
      inputGroup,
    });
    // Llama, hidden 8, 4 heads of size 2, 2 key/value heads: k and v project to 2 x 2 = 4.
    const llama = llamaSpec({ name: 'gqa', hidden: 8, layers: 1, heads: 4, kvHeads: 2, ffn: 12, vocab: 10 });
    expect(llama.blockLinears).toEqual([
      linear('q_proj', 8, 8, 'attention-input'),
      linear('k_proj', 8, 4, 'attention-input'),
      linear('v_proj', 8, 4, 'attention-input'),
      linear('o_proj', 8, 8, 'attention-output'),
      linear('gate_proj', 8, 12, 'mlp-input'),
      linear('up_proj', 8, 12, 'mlp-input'),
      linear('down_proj', 12, 8, 'mlp-hidden'),
    ]);
    // Embedding and untied head 2 x 10 x 8 = 160, two RMSNorms 16, the final norm 8: 184.
    expect(llama.otherParameters).toBe(184);
    // Linears 64 + 32 + 32 + 64 + 96 + 96 + 96 = 480, no biases.
    expect(parameterCount(llama)).toBe(664);
    const gpt2 = gpt2Spec({ name: 'tiny', nEmbd: 4, nLayer: 1, nHead: 1, vocab: 10, nPositions: 8, nInner: 6 });
    expect(gpt2.blockLinears).toEqual([
      linear('c_attn', 4, 12, 'attention-input', true),
      linear('attn.c_proj', 4, 4, 'attention-output', true),
      linear('c_fc', 4, 6, 'mlp-input', true),
      linear('mlp.c_proj', 6, 4, 'mlp-hidden', true),
    ]);
  });

  it('adapts only the targeted linears (the one-block GPT-2 with c_fc alone: 6 tokens, r 2, 32-bit)', () => {
    const spec = gpt2Spec({ name: 'tiny', nEmbd: 4, nLayer: 1, nHead: 1, vocab: 10, nPositions: 8 });
    const rows = byMethod(
      estimateMemory(spec, { batch: 2, seq: 3, rank: 2, weightBytes: 4, activationBytes: 4, targets: ['c_fc'] }),
    );
    expect(rows['lora']!.activations).toBe(6 * (4 + 2) * 4); // X (4) and H (2) of c_fc
    expect(rows['lora-fa']!.activations).toBe(6 * 2 * 4);
    expect(rows['lora']!.trainableParameters).toBe(2 * (4 + 16));
    expect(() => estimateMemory(spec, { batch: 1, seq: 1, rank: 1, targets: ['c_fc', 'q_proj'] })).toThrow(
      'memory model: tiny has no linear q_proj (it has c_attn, attn.c_proj, c_fc, mlp.c_proj)',
    );
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
