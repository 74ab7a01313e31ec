import { existsSync, readFileSync } from 'node:fs';

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
}

const ACTIVATIONS = ['gelu_new', 'gelu', 'gelu_pytorch_tanh', 'relu'];

/** Checks a parsed config, naming the source and the field on any problem. */
export function validateGpt2Config(raw: unknown, source: string): GPT2Config {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${source}: expected a JSON object`);
  const c = raw as Record<string, unknown>;
  const positive = (key: string) => {
    const v = c[key];
    if (!Number.isInteger(v) || (v as number) < 1)
      throw new Error(`${source}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const config: GPT2Config = {
    vocab_size: positive('vocab_size'),
    n_positions: positive('n_positions'),
    n_embd: positive('n_embd'),
    n_layer: positive('n_layer'),
    n_head: positive('n_head'),
    n_inner: c.n_inner === undefined || c.n_inner === null ? null : positive('n_inner'),
    layer_norm_epsilon: typeof c.layer_norm_epsilon === 'number' ? c.layer_norm_epsilon : 1e-5,
    activation_function: (c.activation_function ?? 'gelu_new') as GPT2Config['activation_function'],
    tie_word_embeddings: c.tie_word_embeddings !== false,
  };
  if (config.n_embd % config.n_head !== 0)
    throw new Error(`${source}: n_embd ${config.n_embd} is not divisible by n_head ${config.n_head}`);
  if (!ACTIVATIONS.includes(config.activation_function)) {
    throw new Error(
      `${source}: activation_function '${config.activation_function}' is not supported (supported: ${ACTIVATIONS.join(', ')})`,
    );
  }
  if (!config.tie_word_embeddings)
    throw new Error(`${source}: only GPT-2 with a tied LM head (tie_word_embeddings true) is supported`);
  return config;
}

export function readGpt2Config(path: string): GPT2Config {
  if (!existsSync(path))
    throw new Error(`${path}: not found (a GPT-2 checkpoint folder needs config.json and model.safetensors)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return validateGpt2Config(raw, path);
}
