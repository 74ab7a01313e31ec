import type { LoraMethod } from './config.js';
import { LORA_METHODS } from './config.js';
import type { ModelSpec } from './model-specs.js';

/** How attention is computed: composed from primitives, or as the memory-efficient custom op. */
export type AttentionKind = 'standard' | 'memory-efficient';
/** Every {@link AttentionKind}. */
export const ATTENTION_KINDS: readonly AttentionKind[] = ['standard', 'memory-efficient'];

/** Inputs to the GPT-2 saved-activation estimate: method, batch, sequence length, rank and what is adapted. */
export interface Gpt2ActivationOptions {
  method: LoraMethod;
  batch: number;
  seq: number;
  rank: number;
  /** Adapted linears of a block (default all four: c_attn, attn.c_proj, c_fc, mlp.c_proj). */
  targets?: readonly string[];
  /** Adapt the first k blocks only (default all; ignored for `full`). */
  adaptedBlocks?: number;
  attention?: AttentionKind;
  /** Bytes per float (default 4: float32, this repository's training dtype). */
  floatBytes?: number;
}

/** Saved bytes by where they are saved; `total` is their sum. */
export interface Gpt2ActivationBreakdown {
  /** Inputs X and H = X Aᵀ of the linears, as Table 1 (what the methods differ in): `linearX + linearH`. */
  linears: number;
  /** The linears' inputs X (Full-FT, LoRA, LoRA-FB): the tape's kind 'X'. */
  linearX: number;
  /** The adapters' H = X Aᵀ (LoRA, LoRA-FA): the tape's kind 'H'. */
  linearH: number;
  layerNorms: number;
  attention: number;
  /** GELU's (gelu_new) saved input. */
  mlpActivation: number;
  /** Embedding indices, the head's input, and the loss's logits, targets and row statistics. */
  embeddingsHeadLoss: number;
  total: number;
}

const GPT2_LINEARS = ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'] as const;
const INT32 = 4;

/**
 * The activation bytes the tape saves in one forward of this repository's GPT-2
 * (packages/nn/src/gpt2, gelu_new) followed by `causalLmLoss`, for one method, counted the
 * way the tape counts them: each storage once, parameters apart. Not an estimate: it follows
 * what each primitive saves (docs/experiments.md lists the terms), and the tests and
 * `npm run bench:memory` check it equals the tape's count byte for byte.
 *
 * An op records (and saves) only when one of its inputs needs a gradient: with LoRA and its
 * variants the frozen embeddings make block 0's ln_1 record nothing, and with the first k
 * blocks adapted every block from the first adapted one on records its LayerNorms, attention
 * and GELU. Per recording block, N = batch·seq tokens, d = n_embd, f = inner, h = heads, T = seq:
 * - each LayerNorm (the fused primitive): x̂ (N·d) and rstd = 1/√(σ² + ε) (N), with or without
 *   Full-FT (dγ = Σ g·x̂ needs nothing more; γ is a parameter, counted apart);
 * - standard attention: q, k, v (3N·d) and the weights (batch·h·T², saved by the fused
 *   softmax and by the product with v: one storage);
 * - memory-efficient attention: q, k, v, the output (4N·d) and the row log-sum-exp (batch·h·T);
 * - gelu_new (the fused primitive): its input alone (N·f);
 * - the loss (the fused softmax cross-entropy over the predicted rows P = batch·(seq − 1)): the
 *   logits, its int32 targets and two numbers per row (the maximum and log Σ exp(x − max));
 * - each linear as Table 1 (`savedBytesPerLinear`) when adapted or Full-FT, else nothing.
 */
export function gpt2SavedActivations(spec: ModelSpec, options: Gpt2ActivationOptions): Gpt2ActivationBreakdown {
  const { method, batch, seq, rank } = options;
  const names = spec.blockLinears.map((l) => l.name);
  if (GPT2_LINEARS.some((n) => !names.includes(n)))
    throw new Error(`gpt2SavedActivations: ${spec.name} is not a GPT-2 spec (its linears: ${names.join(', ')})`);
  if (!LORA_METHODS.includes(method)) throw new Error(`gpt2SavedActivations: unknown method '${method}'`);
  for (const [key, value] of Object.entries({ batch, seq, rank })) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`gpt2SavedActivations: ${key} must be a positive integer, got ${value}`);
  }
  const targets = options.targets ?? GPT2_LINEARS;
  const unknown = targets.filter((t) => !names.includes(t));
  if (unknown.length) throw new Error(`gpt2SavedActivations: ${spec.name} has no linear ${unknown.join(', ')}`);
  const adaptedBlocks = options.adaptedBlocks ?? spec.layers;
  if (!Number.isInteger(adaptedBlocks) || adaptedBlocks < 0 || adaptedBlocks > spec.layers)
    throw new Error(
      `gpt2SavedActivations: adaptedBlocks must be an integer from 0 to ${spec.layers}, got ${adaptedBlocks}`,
    );
  const attention = options.attention ?? 'standard';
  if (!ATTENTION_KINDS.includes(attention))
    throw new Error(`gpt2SavedActivations: unknown attention '${attention}' (expected ${ATTENTION_KINDS.join(', ')})`);
  const F = options.floatBytes ?? 4;
  const full = method === 'full';
  const { hiddenSize: d, ffnSize: f, heads: h, vocabSize: vocab } = spec;
  const N = batch * seq;
  const out: Omit<Gpt2ActivationBreakdown, 'total' | 'linears'> = {
    linearX: 0,
    linearH: 0,
    layerNorms: 0,
    attention: 0,
    mlpActivation: 0,
    embeddingsHeadLoss: 0,
  };
  const layerNorm = () => N * (d + 1) * F;
  /** Adds a linear's saved input/H and tells whether its output needs a gradient. */
  const adapts = (name: string, block: number) => full || (block < adaptedBlocks && targets.includes(name));
  const linear = (name: string, inFeatures: number, block: number, inputNeedsGrad: boolean): boolean => {
    if (!adapts(name, block)) return inputNeedsGrad;
    const saved = linearSavedBytes(method, N, inFeatures, rank, F);
    out.linearX += saved.x;
    out.linearH += saved.h;
    return true;
  };

  let grad = full; // does the residual stream need a gradient here?
  if (full) out.embeddingsHeadLoss += (N + seq) * INT32; // the wte and wpe lookups save their indices
  for (let block = 0; block < spec.layers; block++) {
    if (grad) out.layerNorms += layerNorm();
    const qkvGrad = linear('c_attn', d, block, grad);
    if (qkvGrad) out.attention += attentionBytes(attention, { batch, seq, d, h, F });
    const attnGrad = linear('attn.c_proj', d, block, qkvGrad);
    // With one head, c_proj's input is a view of the attention output, which the
    // memory-efficient op saves already: when c_proj saves its input too, it counts once.
    if (attention === 'memory-efficient' && h === 1 && method !== 'lora-fa' && adapts('attn.c_proj', block))
      out.linearX -= N * d * F;
    grad = grad || attnGrad;
    if (grad) out.layerNorms += layerNorm();
    const fcGrad = linear('c_fc', d, block, grad);
    if (fcGrad) out.mlpActivation += N * f * F;
    const mlpGrad = linear('mlp.c_proj', f, block, fcGrad); // called first: it adds its bytes
    grad = grad || mlpGrad;
  }
  if (grad) {
    out.layerNorms += layerNorm(); // ln_f
    const predicted = batch * (seq - 1);
    // The loss saves its logits: a view of the whole logits storage when batch is 1, else a copy.
    const logits = (batch === 1 ? N : predicted) * vocab * F;
    out.embeddingsHeadLoss += (full ? N * d * F : 0) + logits + predicted * (INT32 + 2 * F);
  }
  const linears = out.linearX + out.linearH;
  const total = linears + out.layerNorms + out.attention + out.mlpActivation + out.embeddingsHeadLoss;
  return { ...out, linears, total };
}

/** Table 1 per linear: Full-FT and LoRA-FB keep X, LoRA keeps X and H, LoRA-FA keeps H. */
function linearSavedBytes(
  method: LoraMethod,
  tokens: number,
  inFeatures: number,
  rank: number,
  F: number,
): { x: number; h: number } {
  const keepsX = method !== 'lora-fa';
  const keepsH = method === 'lora' || method === 'lora-fa';
  return { x: keepsX ? tokens * inFeatures * F : 0, h: keepsH ? tokens * rank * F : 0 };
}

function attentionBytes(
  kind: AttentionKind,
  o: { batch: number; seq: number; d: number; h: number; F: number },
): number {
  const { batch, seq, d, h, F } = o;
  const N = batch * seq;
  if (kind === 'memory-efficient') return 4 * N * d * F + batch * h * seq * F; // …and the row log-sum-exp
  return 3 * N * d * F + batch * h * seq * seq * F;
}
