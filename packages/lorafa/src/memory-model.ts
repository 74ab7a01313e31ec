import type { LoraMethod } from './config.js';
import { LORA_METHODS } from './config.js';
import type { AttentionKind } from './memory-activations.js';
import { ATTENTION_KINDS } from './memory-activations.js';
import type { LinearSpec, ModelSpec } from './model-specs.js';
import { parameterCount } from './model-specs.js';

/** Inputs to {@link estimateMemory}: batch, sequence length, rank, targets and byte sizes. */
export interface MemoryOptions {
  batch: number;
  seq: number;
  rank: number;
  /** Block linears to adapt, by name (default: all of them). */
  targets?: readonly string[];
  /** Bytes per weight and per gradient element (default 2: 16-bit training). */
  weightBytes?: number;
  /** Bytes per saved activation element (default 2). */
  activationBytes?: number;
  /**
   * Optimizer bytes per trainable parameter (default 12 with 16-bit weights — an fp32 master
   * copy plus AdamW's two fp32 moments — and 8 with 32-bit weights: the two moments).
   */
  optimizerBytesPerParameter?: number;
  /**
   * Count an input read by several adapted linears once (q/k/v, gate/up). Default false: the
   * paper counts each linear's input separately.
   */
  shareInputs?: boolean;
}

/** One method's estimated memory, in bytes (`trainableParameters` is a count); `total` is the sum of the four parts. */
export interface MemoryBreakdown {
  method: LoraMethod;
  trainableParameters: number;
  weights: number;
  grads: number;
  optimizer: number;
  /** Activations the adapted linears save for backward (the part the methods differ in). */
  activations: number;
  total: number;
}

/**
 * Per adapted linear with input X (N = batch·seq tokens), Table 1 of the paper:
 *
 * | method  | trainable      | saved activations |
 * |---------|----------------|-------------------|
 * | full    | in·out (+ all) | N·in              |
 * | lora    | r(in + out)    | N·(in + r)        |
 * | lora-fa | r·out          | N·r               |
 * | lora-fb | r·in           | N·in              |
 *
 * Full fine-tuning trains every parameter of the model; the LoRA variants add r(in + out)
 * adapter weights per adapted linear and train only their trained factor.
 */
export function estimateMemory(spec: ModelSpec, options: MemoryOptions): MemoryBreakdown[] {
  const { batch, seq, rank, shareInputs = false } = options;
  for (const [key, value] of Object.entries({ batch, seq, rank })) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`memory model: ${key} must be a positive integer, got ${value}`);
  }
  const weightBytes = options.weightBytes ?? 2;
  const activationBytes = options.activationBytes ?? 2;
  const optimizerBytes = options.optimizerBytesPerParameter ?? (weightBytes < 4 ? 12 : 8);
  const targets = options.targets ?? spec.blockLinears.map((l) => l.name);
  const adapted = spec.blockLinears.filter((l) => targets.includes(l.name));
  const unknown = targets.filter((t) => !spec.blockLinears.some((l) => l.name === t));
  if (unknown.length)
    throw new Error(
      `memory model: ${spec.name} has no linear ${unknown.join(', ')} (it has ${spec.blockLinears.map((l) => l.name).join(', ')})`,
    );
  const tokens = batch * seq;
  const baseParameters = parameterCount(spec);
  const adapterParameters = spec.layers * adapted.reduce((n, l) => n + rank * (l.inFeatures + l.outFeatures), 0);

  return LORA_METHODS.map((method) => {
    const trainable =
      method === 'full'
        ? baseParameters
        : spec.layers * adapted.reduce((n, l) => n + trainedPerLinear(method, l, rank), 0);
    const activationElements = spec.layers * tokens * savedPerToken(method, adapted, rank, shareInputs);
    const weights = (baseParameters + (method === 'full' ? 0 : adapterParameters)) * weightBytes;
    const grads = trainable * weightBytes;
    const optimizer = trainable * optimizerBytes;
    const activations = activationElements * activationBytes;
    return {
      method,
      trainableParameters: trainable,
      weights,
      grads,
      optimizer,
      activations,
      total: weights + grads + optimizer + activations,
    };
  });
}

function trainedPerLinear(method: LoraMethod, l: LinearSpec, r: number): number {
  switch (method) {
    case 'full':
      return l.inFeatures * l.outFeatures;
    case 'lora':
      return r * (l.inFeatures + l.outFeatures);
    case 'lora-fa':
      return r * l.outFeatures;
    case 'lora-fb':
      return r * l.inFeatures;
  }
}

/** Elements saved per token in one block: inputs X where the method needs them, plus H = X Aᵀ. */
function savedPerToken(method: LoraMethod, adapted: readonly LinearSpec[], r: number, shareInputs: boolean): number {
  const needsInput = method !== 'lora-fa';
  const needsH = method === 'lora' || method === 'lora-fa';
  const inputs = shareInputs
    ? [...new Map(adapted.map((l) => [l.inputGroup, l.inFeatures])).values()].reduce((a, b) => a + b, 0)
    : adapted.reduce((n, l) => n + l.inFeatures, 0);
  return (needsInput ? inputs : 0) + (needsH ? adapted.length * r : 0);
}

/** Saved bytes of one adapted linear per the table above (for checking against the tape). */
export function savedBytesPerLinear(
  method: LoraMethod,
  o: { tokens: number; inFeatures: number; rank: number; bytes: number },
): number {
  const perToken = method === 'lora-fa' ? o.rank : method === 'lora' ? o.inFeatures + o.rank : o.inFeatures;
  return o.tokens * perToken * o.bytes;
}

/** {@link MemoryOptions} plus how attention is computed, for the whole-step estimate. */
export interface StepMemoryOptions extends MemoryOptions {
  /** 'standard' saves the softmax probabilities; 'memory-efficient' (FlashAttention) a log-sum-exp per row. */
  attention?: AttentionKind;
}

/** A {@link MemoryBreakdown} plus the activations every method saves alike, for a whole training step. */
export interface StepMemoryBreakdown extends MemoryBreakdown {
  /** Saved activations outside the adapted linears: norms, attention, the MLP's nonlinearity, logits. */
  otherActivations: number;
  /** total + otherActivations: what a training step holds at the end of forward. */
  stepTotal: number;
}

/**
 * `estimateMemory` plus the activations every method saves alike, for a whole training step of
 * a PyTorch-style transformer in 16-bit (Korthikanti et al., 2023, without dropout), per token
 * and block, with h the hidden size, f the MLP width, a heads and s the sequence:
 * - norms: their inputs, 2h (GPT-2 LayerNorm also keeps its statistics; ignored here);
 * - attention: q, k, v (h + 2·kv), plus the softmax probabilities a·s (standard), or the output
 *   h and a float32 log-sum-exp per head (memory-efficient; the output is also the input of the
 *   output projection, counted once — by that linear where the method saves its input);
 * - MLP: SwiGLU keeps gate, up and silu(gate) (3f); GPT-2's GELU keeps its input (f);
 * - the final norm's input, h; the loss's float32 log-probabilities, 4·vocab bytes per token.
 * A model of PyTorch's saved tensors, not measured here; this repository's own GPT-2 is
 * modelled exactly, and measured, by gpt2SavedActivations.
 */
export function estimateStepMemory(spec: ModelSpec, options: StepMemoryOptions): StepMemoryBreakdown[] {
  const attention = options.attention ?? 'standard';
  if (!ATTENTION_KINDS.includes(attention))
    throw new Error(`memory model: unknown attention '${attention}' (expected ${ATTENTION_KINDS.join(', ')})`);
  const bytes = options.activationBytes ?? 2;
  const tokens = options.batch * options.seq;
  const h = spec.hiddenSize;
  const llama = spec.blockLinears.some((l) => l.name === 'gate_proj');
  const kv = spec.blockLinears.find((l) => l.name === 'k_proj' || l.name === 'c_attn');
  const keyValue = llama ? 2 * kv!.outFeatures : 2 * h;
  const outputLinear = llama ? 'o_proj' : 'attn.c_proj';
  const targets = options.targets ?? spec.blockLinears.map((l) => l.name);
  return estimateMemory(spec, options).map((row) => {
    const outputSavedByLinear = row.method !== 'lora-fa' && (row.method === 'full' || targets.includes(outputLinear));
    const attentionPerToken =
      attention === 'standard'
        ? (h + keyValue + spec.heads * options.seq) * bytes
        : (h + keyValue + (outputSavedByLinear ? 0 : h)) * bytes + spec.heads * 4;
    const mlpPerToken = (llama ? 3 : 1) * spec.ffnSize * bytes;
    const perToken = spec.layers * (2 * h * bytes + attentionPerToken + mlpPerToken) + h * bytes + 4 * spec.vocabSize;
    const otherActivations = tokens * perToken;
    return { ...row, otherActivations, stepTotal: row.total + otherActivations };
  });
}
