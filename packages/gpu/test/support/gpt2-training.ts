import * as T from '@lorafa/tensor';
import type { GPT2Config } from '@lorafa/nn';
import { causalLmLoss, GPT2 } from '@lorafa/nn';
import type { LoraMethod } from '@lorafa/lorafa';
import { injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import { runSteps } from './training.js';

const CONFIG: GPT2Config = {
  vocab_size: 33,
  n_positions: 16,
  n_embd: 16,
  n_layer: 2,
  n_head: 2,
  layer_norm_epsilon: 1e-5,
  activation_function: 'gelu_new',
};

/**
 * A tiny GPT-2 adapted on every linear (c_attn, attn.c_proj, c_fc, mlp.c_proj), trained for a
 * few AdamW steps with every tensor on `backend`; the loss is the only value awaited per step.
 */
export async function trainAdaptedGpt2(
  backend: string,
  options: { method: Exclude<LoraMethod, 'full'>; steps: number; reads?: () => number },
): Promise<{ losses: number[]; readsPerStep: number[] }> {
  const previous = T.setBackend(backend);
  try {
    const model = new GPT2(CONFIG, { seed: 3, dtype: 'float32' });
    const adapters = injectLora(model, {
      targets: ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'],
      method: options.method,
      rank: 4,
      alpha: 8,
      seed: 4,
    });
    const rng = new T.Rng(9);
    const ids = T.fromFlat(
      Array.from({ length: 2 * 8 }, () => Math.floor(rng.nextFloat64() * CONFIG.vocab_size)),
      [2, 8],
      { dtype: 'int32' },
    );
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.01 });
    await optimizer.prepare();
    return runSteps(optimizer, () => causalLmLoss(model.call(ids), ids), options);
  } finally {
    T.setBackend(previous.name);
  }
}
