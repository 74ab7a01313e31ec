import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { crossEntropy } from '../losses.js';

/**
 * Causal LM loss as Hugging Face computes it with `labels=input_ids`: logits[:, :-1] against
 * ids[:, 1:], cross-entropy averaged over every predicted token.
 */
export function causalLmLoss(logits: Variable, ids: T.Tensor): Variable {
  const [batch, length, vocab] = logits.shape as [number, number, number];
  if (length < 2) throw new Error(`causalLmLoss: need at least 2 tokens per sequence, got ${length}`);
  if (ids.shape[0] !== batch || ids.shape[1] !== length) {
    throw new Error(`causalLmLoss: logits ${T.formatShape(logits.shape)} and ids ${T.formatShape(ids.shape)} disagree`);
  }
  const predictions = A.slice(logits, [null, { stop: length - 1 }]);
  const targets = ids.slice([null, { start: 1 }]).contiguous();
  return crossEntropy(A.reshape(predictions, [batch * (length - 1), vocab]), targets.reshape([batch * (length - 1)]));
}

/** Options for {@link generate}: how many tokens to add, and greedy vs. temperature/top-k sampling. */
export interface GenerateOptions {
  /** How many tokens to generate. */
  maxNewTokens: number;
  /** 0 (default) is greedy decoding; otherwise sample from softmax(logits / temperature). */
  temperature?: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  /** Source of randomness for sampling (default: a new Rng seeded 0). */
  rng?: T.Rng;
  /** The model's context length: older tokens are dropped from the window. */
  contextLength?: number;
}

/** Extends int32 ids [1, seq] token by token with a logits function, returning the new ids. */
export function generate(
  logitsOf: (ids: T.Tensor) => Variable,
  prompt: readonly number[],
  options: GenerateOptions,
): number[] {
  const { maxNewTokens, temperature = 0, topK, rng = new T.Rng(0), contextLength = Infinity } = options;
  if (prompt.length === 0) throw new Error('generate: the prompt needs at least one token');
  if (temperature < 0) throw new Error(`generate: temperature must be ≥ 0, got ${temperature}`);
  const tokens = [...prompt];
  for (let i = 0; i < maxNewTokens; i++) {
    const window = tokens.slice(-Math.min(tokens.length, contextLength));
    const logits = A.noGrad(() => logitsOf(T.tensor([window], { dtype: 'int32' })));
    const last = [...logits.value.slice([0, window.length - 1]).dataSync()];
    tokens.push(temperature === 0 ? argmax(last) : sample(last, temperature, topK, rng));
  }
  return tokens.slice(prompt.length);
}

function argmax(values: readonly number[]): number {
  return values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
}

function sample(logits: readonly number[], temperature: number, topK: number | undefined, rng: T.Rng): number {
  const order = logits.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const kept = order.slice(0, topK ?? order.length);
  const top = kept[0]![0];
  const weights = kept.map(([v]) => Math.exp((v - top) / temperature));
  let u = rng.nextFloat64() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kept.length; i++) {
    u -= weights[i]!;
    if (u <= 0) return kept[i]![1];
  }
  return kept[kept.length - 1]![1];
}
