/** The fields of a Hugging Face GPT-2 `config.json` this implementation uses. */
export interface GPT2Config {
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  n_inner?: number | null;
  layer_norm_epsilon: number;
  activation_function: 'gelu_new' | 'gelu' | 'gelu_pytorch_tanh' | 'relu';
  tie_word_embeddings?: boolean;
  /**
   * Not a Hugging Face field: how attention is computed (default 'standard', composed from
   * primitives; 'memory-efficient' is the custom op that never saves the seq x seq
   * probabilities, gpt2/memory-efficient-attention.ts). The outputs agree to rounding.
   */
  attention?: GPT2Attention;
}

/** How attention is computed: `'standard'` (composed primitives) or `'memory-efficient'` (the blockwise custom op). */
export type GPT2Attention = 'standard' | 'memory-efficient';
/** Every supported {@link GPT2Attention} value. */
export const GPT2_ATTENTIONS: readonly GPT2Attention[] = ['standard', 'memory-efficient'];

const ACTIVATIONS = ['gelu_new', 'gelu', 'gelu_pytorch_tanh', 'relu'];

/**
 * Upper limits on the integer fields, far above any published GPT-2 (vocab 50,257, 1,024
 * positions, n_embd 1,600, 48 layers, 25 heads), so that a crafted config cannot ask for an
 * absurd allocation before its weights file is even looked at.
 */
export const GPT2_CONFIG_LIMITS = {
  vocab_size: 2 ** 22,
  n_positions: 2 ** 20,
  n_embd: 2 ** 16,
  n_layer: 1024,
  n_head: 1024,
  n_inner: 2 ** 18,
} as const;

/** Checks a parsed config, naming the source and the field on any problem. */
export function validateGpt2Config(raw: unknown, source: string): GPT2Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${source}: expected a JSON object`);
  const c = raw as Record<string, unknown>;
  const integer = (key: keyof typeof GPT2_CONFIG_LIMITS) => {
    const v = c[key];
    const max = GPT2_CONFIG_LIMITS[key];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max)
      throw new Error(`${source}: ${key} must be an integer from 1 to ${max}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const epsilon = c.layer_norm_epsilon ?? 1e-5;
  if (typeof epsilon !== 'number' || !(epsilon > 0 && epsilon < 1))
    throw new Error(`${source}: layer_norm_epsilon must be a number in (0, 1), got ${JSON.stringify(epsilon)}`);
  const activation = c.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !ACTIVATIONS.includes(activation)) {
    throw new Error(
      `${source}: activation_function ${typeof activation === 'string' ? `'${activation}'` : JSON.stringify(activation)} is not supported (supported: ${ACTIVATIONS.join(', ')})`,
    );
  }
  const attention = c.attention ?? 'standard';
  if (typeof attention !== 'string' || !GPT2_ATTENTIONS.includes(attention as GPT2Attention))
    throw new Error(
      `${source}: attention ${JSON.stringify(attention)} is not supported (supported: ${GPT2_ATTENTIONS.join(', ')})`,
    );
  const config: GPT2Config = {
    vocab_size: integer('vocab_size'),
    n_positions: integer('n_positions'),
    n_embd: integer('n_embd'),
    n_layer: integer('n_layer'),
    n_head: integer('n_head'),
    n_inner: c.n_inner === undefined || c.n_inner === null ? null : integer('n_inner'),
    layer_norm_epsilon: epsilon,
    activation_function: activation as GPT2Config['activation_function'],
    tie_word_embeddings: c.tie_word_embeddings !== false,
    ...(attention === 'memory-efficient' ? { attention } : {}),
  };
  if (config.n_embd % config.n_head !== 0)
    throw new Error(`${source}: n_embd ${config.n_embd} is not divisible by n_head ${config.n_head}`);
  if (!config.tie_word_embeddings)
    throw new Error(`${source}: only GPT-2 with a tied LM head (tie_word_embeddings true) is supported`);
  return config;
}

/** Parses and validates the text of a `config.json`. */
export function parseGpt2Config(text: string, source: string): GPT2Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  return validateGpt2Config(raw, source);
}
