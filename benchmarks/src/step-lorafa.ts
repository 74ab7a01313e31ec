/**
 * One training step (forward, backward, optimizer) of a small GPT-2 in lorafa-ts, for
 * bench:step: Full-FT with AdamW, LoRA and LoRA-FA with the LoRA-FA optimizer.
 */
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { AdamW, causalLmLoss, GPT2 } from '@lorafa/nn';
import type { GPT2Config } from '@lorafa/nn';
import { injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import type { LoraMethod } from '@lorafa/lorafa';

export interface StepShape {
  layers: number;
  embd: number;
  heads: number;
  vocab: number;
  seq: number;
  batch: number;
  rank: number;
}

export function gpt2Config(s: StepShape): GPT2Config {
  return {
    vocab_size: s.vocab,
    n_positions: s.seq,
    n_embd: s.embd,
    n_layer: s.layers,
    n_head: s.heads,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new',
  };
}

/** Token ids shared by every implementation: deterministic, [batch, seq]. */
export function stepTokens(s: StepShape): Int32Array {
  const rng = new T.Rng(7);
  return Int32Array.from({ length: s.batch * s.seq }, () => Math.floor(rng.nextFloat64() * s.vocab));
}

/** Milliseconds spent in each phase of the steps run so far (for bench:step --profile). */
export interface StepPhases {
  forward: number;
  backward: number;
  optimizer: number;
}

/**
 * Returns a function that runs one step and returns its loss; with `phases`, each step adds the
 * time of its forward (with the loss), backward and optimizer update to it.
 */
export function lorafaStep(s: StepShape, method: Exclude<LoraMethod, 'lora-fb'>, phases?: StepPhases): () => number {
  const model = new GPT2(gpt2Config(s), { seed: 1 });
  const ids = T.fromFlat(stepTokens(s), [s.batch, s.seq], { dtype: 'int32' });
  let optimizer: { zeroGrad(): void; step(): void };
  if (method === 'full') {
    optimizer = new AdamW(model.namedParameters(), { lr: 1e-4 });
  } else {
    const adapters = injectLora(model, {
      targets: ['c_attn', 'c_proj', 'c_fc'],
      method,
      rank: s.rank,
      alpha: 2 * s.rank,
    });
    optimizer = new LoraFAOptimizer(adapters, [], { lr: 1e-4 });
  }
  const parameters = model.parameters();
  // Forward and backward in a tidy: what they allocated and nobody holds any more (the
  // activations, the logits) goes back to the buffer pool; the loss and the gradients stay.
  const tidy = <R>(fn: () => R) => T.tidy(fn, () => parameters.flatMap((p) => (p.grad ? [p.grad] : [])));
  if (!phases)
    return () => {
      optimizer.zeroGrad();
      const loss = tidy(() => {
        const l = causalLmLoss(model.call(ids), ids);
        l.backward();
        return l.item();
      });
      optimizer.step();
      return loss;
    };
  return () => {
    const t0 = performance.now();
    optimizer.zeroGrad();
    let t1 = 0;
    const loss = tidy(() => {
      const l = causalLmLoss(model.call(ids), ids);
      t1 = performance.now();
      l.backward();
      return l.item();
    });
    const t2 = performance.now();
    optimizer.step();
    const t3 = performance.now();
    phases.forward += t1 - t0;
    phases.backward += t2 - t1;
    phases.optimizer += t3 - t2;
    return loss;
  };
}

export { A };
