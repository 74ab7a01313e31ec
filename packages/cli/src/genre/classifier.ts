import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import type { GPT2, TextTokenizer } from '@lorafa/nn';
import { crossEntropy, Linear } from '@lorafa/nn';
import { UsageError } from '../cli-error.js';
import type { Passage } from '../data/genre.js';

/**
 * A batch of passages of different lengths, right-padded to the longest. GPT-2's attention is
 * causal, so a real token never attends to the padding after it: its hidden state is the same
 * as without padding, and masking the padding out of the mean pool makes the whole forward
 * pass equal to running each passage alone.
 */
export interface PassageBatch {
  /** int32 [batch, longest]: token ids, padding filled with id 0. */
  ids: T.Tensor;
  /** float32 [batch, longest, 1]: 1 for a real token, 0 for padding. */
  mask: T.Tensor;
  /** float32 [batch, 1]: how many real tokens each passage has. */
  lengths: T.Tensor;
  /** int32 [batch]: the genre labels. */
  labels: T.Tensor;
}

/**
 * Tokenizes and pads passages into one batch, to the longest of them or to `padTo` if that is
 * longer; a passage longer than the model's context is a usage error.
 */
export function passageBatch(
  passages: readonly Passage[],
  tokenizer: TextTokenizer,
  nPositions: number,
  padTo = 0,
): PassageBatch {
  const encoded = passages.map((p) => tokenizer.encode(p.text));
  const longest = Math.max(padTo, ...encoded.map((ids) => ids.length));
  if (longest > nPositions)
    throw new UsageError(`a passage of ${longest} tokens exceeds the model's n_positions ${nPositions}`);
  const ids = new Int32Array(passages.length * longest);
  const mask = new Float32Array(passages.length * longest);
  encoded.forEach((tokens, b) => {
    ids.set(tokens, b * longest);
    mask.fill(1, b * longest, b * longest + tokens.length);
  });
  return {
    ids: T.fromFlat(ids, [passages.length, longest], { dtype: 'int32' }),
    mask: T.fromFlat(mask, [passages.length, longest, 1]),
    lengths: T.fromFlat(
      Float32Array.from(encoded, (tokens) => tokens.length),
      [passages.length, 1],
    ),
    labels: T.fromFlat(
      Int32Array.from(passages, (p) => p.label),
      [passages.length],
      { dtype: 'int32' },
    ),
  };
}

/** The mean of each passage's hidden states over its real tokens: Σₜ maskₜ·hₜ / length, [batch, n_embd]. */
export function meanPool(hidden: Variable, batch: PassageBatch): Variable {
  return A.div(A.sum(A.mul(hidden, batch.mask), 1), batch.lengths);
}

/**
 * A linear classification head on GPT-2's pooled last hidden state (after ln_f), and its loss.
 * The pooled features share a large common component and differ across passages by a few
 * hundredths, so the head sees them standardised, as a linear probe's inputs usually are:
 * z = (pooled − μ) / σ, with μ and σ per feature measured once on the base model (calibrate),
 * then fixed. Without it, 150 steps of batch 16 leave the head at chance.
 */
export class GenreClassifier {
  readonly head: Linear;
  private standardise: { mean: T.Tensor; std: T.Tensor } | null = null;

  constructor(
    readonly model: GPT2,
    classes: number,
    rng: T.Rng,
  ) {
    this.head = new Linear(model.config.n_embd, classes, { rng });
  }

  /** The pooled features [batch, n_embd], standardised once calibrate has run. */
  features(batch: PassageBatch): Variable {
    const pooled = meanPool(this.model.transformer.call(batch.ids), batch);
    return this.standardise ? A.div(A.sub(pooled, this.standardise.mean), this.standardise.std) : pooled;
  }

  /**
   * Sets μ and σ (the population standard deviation, plus 1e-6 against a constant feature) of
   * each pooled feature over the given batches, without a tape.
   */
  calibrate(batches: readonly PassageBatch[]): void {
    this.standardise = null;
    const pooled = T.concat(
      batches.map((b) => A.noGrad(() => this.features(b)).value),
      0,
    );
    const mean = T.mean(pooled, 0);
    const std = T.add(T.sqrt(T.mean(T.square(T.sub(pooled, mean)), 0)), 1e-6);
    this.standardise = { mean, std };
  }

  /** Logits [batch, classes]: head(standardised meanPool(transformer(ids))). */
  logits(batch: PassageBatch): Variable {
    const features = this.features(batch);
    return A.withScope('classifier', () => this.head.call(features));
  }

  /** The mean cross-entropy of the batch's labels. */
  loss(batch: PassageBatch): Variable {
    return crossEntropy(this.logits(batch), batch.labels);
  }
}
