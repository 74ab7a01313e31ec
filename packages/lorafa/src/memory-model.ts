import type { LoraMethod } from './config.js';
import { LORA_METHODS } from './config.js';
import type { LinearSpec, ModelSpec } from './model-specs.js';
import { parameterCount } from './model-specs.js';

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
