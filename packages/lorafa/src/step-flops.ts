import type { LoraMethod } from './config.js';
import type { AttentionKind } from './memory-activations.js';
import type { ModelSpec } from './model-specs.js';

/** Inputs to {@link gpt2StepFlops}: method, batch, sequence length, rank, targets and attention kind. */
export interface StepFlopsOptions {
  method: LoraMethod;
  batch: number;
  seq: number;
  rank: number;
  /** Adapted linears, as finetune's --targets (a name or its last part: 'c_proj' matches both). */
  targets?: readonly string[];
  attention?: AttentionKind;
}

/** Model FLOPs of one training step: forward, backward and their sum. */
export interface StepFlops {
  forward: number;
  backward: number;
  total: number;
}

const matches = (name: string, target: string) => name === target || name.endsWith(`.${target}`);

/**
 * Model FLOPs of one training step of a GPT-2 (forward and backward), counted from the shapes.
 * Convention: matrix products only, 2·m·n·k each (elementwise work, softmax and LayerNorm are
 * left out), and only the products the method computes. Per token and linear in → out:
 * - forward: 2·in·out, plus 2·r·(in + out) for an adapter (H = X Aᵀ, then H Bᵀ);
 * - backward: dX = G W0, 2·in·out, always (the stream needs it); Full-FT adds dW, 2·in·out;
 *   an adapter adds G B and (G B) A, 2·r·(out + in), then dB = Gᵀ H (2·r·out) where B trains
 *   and dA = (G B)ᵀ X (2·r·in) where A trains — LoRA-FA skips dA, LoRA-FB skips dB.
 * Attention per block and sequence: Q Kᵀ and P V, 4·T²·d forward; backward dP, dV, dQ, dK,
 * 8·T²·d, plus Q Kᵀ again (2·T²·d) for the memory-efficient op, which recomputes it. The causal
 * mask saves no work here (every score is computed). The tied head: 2·N·d·vocab forward, the
 * same for d(hidden), and again for d(wte) under Full-FT.
 */
export function gpt2StepFlops(spec: ModelSpec, o: StepFlopsOptions): StepFlops {
  const { method, batch, seq, rank } = o;
  const tokens = batch * seq;
  const d = spec.hiddenSize;
  const targets = o.targets ?? spec.blockLinears.map((l) => l.name);
  let forward = 0;
  let backward = 0;
  for (const l of spec.blockLinears) {
    const dense = 2 * l.inFeatures * l.outFeatures;
    forward += dense;
    backward += method === 'full' ? 2 * dense : dense;
    if (method === 'full' || !targets.some((t) => matches(l.name, t))) continue;
    forward += 2 * rank * (l.inFeatures + l.outFeatures);
    backward += 2 * rank * (l.inFeatures + l.outFeatures);
    if (method !== 'lora-fb') backward += 2 * rank * l.outFeatures; // dB
    if (method !== 'lora-fa') backward += 2 * rank * l.inFeatures; // dA
  }
  forward *= spec.layers * tokens;
  backward *= spec.layers * tokens;
  const attentionForward = 4 * seq * seq * d * batch;
  forward += spec.layers * attentionForward;
  backward += spec.layers * (2 * attentionForward + (o.attention === 'memory-efficient' ? attentionForward / 2 : 0));
  const head = 2 * tokens * d * spec.vocabSize;
  forward += head;
  backward += method === 'full' ? 2 * head : head;
  return { forward, backward, total: forward + backward };
}
