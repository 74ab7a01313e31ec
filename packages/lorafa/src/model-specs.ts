/**
 * Model shapes for the memory model: the linear layers of one transformer block (with which
 * of them read the same input) and the parameters outside them.
 */
export interface LinearSpec {
  /** Name as a target pattern would match it (`q_proj`, `c_attn`, ...). */
  name: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  /** Linears with the same group read the same input tensor (q, k, v read one normed input). */
  inputGroup: string;
}

/** A transformer's shape for the memory model: sizes, the linears of one block, and the other parameter count. */
export interface ModelSpec {
  name: string;
  hiddenSize: number;
  layers: number;
  heads: number;
  ffnSize: number;
  vocabSize: number;
  blockLinears: LinearSpec[];
  /** Parameters not in the block linears: embeddings, norms, an untied head. */
  otherParameters: number;
}

const linear = (
  name: string,
  inFeatures: number,
  outFeatures: number,
  inputGroup: string,
  bias = false,
): LinearSpec => ({
  name,
  inFeatures,
  outFeatures,
  bias,
  inputGroup,
});

/** A Llama-architecture model (RMSNorm, SwiGLU MLP, untied head, grouped-query attention). */
export function llamaSpec(o: {
  name: string;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads?: number;
  ffn: number;
  vocab: number;
}): ModelSpec {
  const kv = (o.hidden / o.heads) * (o.kvHeads ?? o.heads);
  return {
    name: o.name,
    hiddenSize: o.hidden,
    layers: o.layers,
    heads: o.heads,
    ffnSize: o.ffn,
    vocabSize: o.vocab,
    blockLinears: [
      linear('q_proj', o.hidden, o.hidden, 'attention-input'),
      linear('k_proj', o.hidden, kv, 'attention-input'),
      linear('v_proj', o.hidden, kv, 'attention-input'),
      linear('o_proj', o.hidden, o.hidden, 'attention-output'),
      linear('gate_proj', o.hidden, o.ffn, 'mlp-input'),
      linear('up_proj', o.hidden, o.ffn, 'mlp-input'),
      linear('down_proj', o.ffn, o.hidden, 'mlp-hidden'),
    ],
    // Embedding + untied LM head, two RMSNorm weights per block, the final norm.
    otherParameters: 2 * o.vocab * o.hidden + o.layers * 2 * o.hidden + o.hidden,
  };
}

/** A GPT-2-architecture model (Conv1D linears with biases, learned positions, tied head). */
export function gpt2Spec(o: {
  name: string;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  vocab: number;
  nPositions: number;
  nInner?: number;
}): ModelSpec {
  const d = o.nEmbd;
  const inner = o.nInner ?? 4 * d;
  return {
    name: o.name,
    hiddenSize: d,
    layers: o.nLayer,
    heads: o.nHead,
    ffnSize: inner,
    vocabSize: o.vocab,
    blockLinears: [
      linear('c_attn', d, 3 * d, 'attention-input', true),
      linear('attn.c_proj', d, d, 'attention-output', true),
      linear('c_fc', d, inner, 'mlp-input', true),
      linear('mlp.c_proj', inner, d, 'mlp-hidden', true),
    ],
    // Token and position embeddings (the head is tied), two LayerNorms per block, ln_f.
    otherParameters: o.vocab * d + o.nPositions * d + o.nLayer * 4 * d + 2 * d,
  };
}

/** Specs of published models (Llama, GPT-2, ...) by name. */
export const MODEL_PRESETS: Record<string, ModelSpec> = {
  'llama2-7b': llamaSpec({ name: 'llama2-7b', hidden: 4096, layers: 32, heads: 32, ffn: 11008, vocab: 32000 }),
  'llama3-8b': llamaSpec({
    name: 'llama3-8b',
    hidden: 4096,
    layers: 32,
    heads: 32,
    kvHeads: 8,
    ffn: 14336,
    vocab: 128256,
  }),
  gpt2: gpt2Spec({ name: 'gpt2', nEmbd: 768, nLayer: 12, nHead: 12, vocab: 50257, nPositions: 1024 }),
  'gpt2-medium': gpt2Spec({ name: 'gpt2-medium', nEmbd: 1024, nLayer: 24, nHead: 16, vocab: 50257, nPositions: 1024 }),
};

/** Total parameters of the model. */
export function parameterCount(spec: ModelSpec): number {
  const block = spec.blockLinears.reduce((n, l) => n + l.inFeatures * l.outFeatures + (l.bias ? l.outFeatures : 0), 0);
  return spec.layers * block + spec.otherParameters;
}
