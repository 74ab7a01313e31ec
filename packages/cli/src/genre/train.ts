import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { GPT2, TextTokenizer } from '@lorafa/nn';
import { crossEntropy } from '@lorafa/nn';
import type { GenreSplit, Passage } from '../data/genre.js';
import { GENRES } from '../data/genre.js';
import type { TrainingOptions } from '../training/options.js';
import { prepare } from '../training/method.js';
import type { Progress } from '../training/progress.js';
import type { PassageBatch } from './classifier.js';
import { GenreClassifier, passageBatch } from './classifier.js';
import type { ClassificationScores } from './metrics.js';
import { argmaxRows, classificationScores } from './metrics.js';

/** The options of one genre run: those of a language-model run that apply to it. */
export type GenreOptions = Pick<
  TrainingOptions,
  | 'method'
  | 'correction'
  | 'rank'
  | 'alpha'
  | 'lr'
  | 'optimizer'
  | 'weightDecay'
  | 'steps'
  | 'batch'
  | 'targets'
  | 'init'
  | 'seed'
>;

/** What one method's genre run measured. */
export interface GenreRunResult extends ClassificationScores {
  /** Trained parameters: the method's (adapters, or the whole model for full) plus the head's. */
  trainableParams: number;
  /** Mean cross-entropy of the held-out passages. */
  heldOutLoss: number;
  /** Bytes the tape held for backward at the peak of one step (activations only), the largest over the run. */
  savedActivationBytes: number;
  /** The median step time (forward, backward, optimizer step). */
  stepMs: number;
  peakRssBytes: number;
  /** The training loss at every step. */
  losses: { step: number; loss: number }[];
  /** Set when a non-finite loss stopped the run (before that step's update). */
  stoppedAt: { step: number; loss: number } | null;
}

/** How many training passages of each genre (the first ones) calibrate the head's standardisation. */
const CALIBRATION_PER_GENRE = 8;

/** The first `count` passages of each genre, in their order. */
function firstOfEachGenre(passages: readonly Passage[], count: number): Passage[] {
  const taken = new Map<number, number>();
  return passages.filter((p) => {
    const n = taken.get(p.label) ?? 0;
    taken.set(p.label, n + 1);
    return n < count;
  });
}

/** What `classify --json` prints (and compare --task genre reads): the result under its label, less the confusion matrix. */
export type GenreSummary = Omit<GenreRunResult, 'confusion'> & { method: string };

/** Held-out loss and scores: every held-out passage once, in batches of `size`, without a tape. */
async function evaluate(
  classifier: GenreClassifier,
  batches: readonly PassageBatch[],
  passages: readonly Passage[],
): Promise<Pick<GenreRunResult, 'heldOutLoss' | keyof ClassificationScores>> {
  let lossSum = 0;
  const predicted: number[] = [];
  for (const batch of batches) {
    const rows = batch.labels.shape[0]!;
    const logits = A.noGrad(() => classifier.logits(batch));
    lossSum += (await crossEntropy(logits, batch.labels).data())[0]! * rows;
    predicted.push(...argmaxRows(await logits.data(), rows, GENRES.length));
  }
  const scores = classificationScores(
    passages.map((p) => p.label),
    predicted,
    GENRES.length,
  );
  return { heldOutLoss: lossSum / passages.length, ...scores };
}

/**
 * Trains a classification head on GPT-2's mean-pooled last hidden state, together with the
 * method's adapters (or the whole model), on the genre task. The head's standardisation is
 * calibrated first, on the base model, from the first CALIBRATION_PER_GENRE training passages
 * of each genre, so it is the same for every method. Then each step draws `batch` training
 * passages uniformly with replacement by an Rng seeded with `seed` (which first initialises
 * the head), so every method sees the same passages in the same order. Then scores every
 * held-out passage. A non-finite loss stops the run before that step's update.
 */
export async function trainGenre(args: {
  model: GPT2;
  tokenizer: TextTokenizer;
  split: GenreSplit;
  options: GenreOptions;
  evalBatch: number;
  progress?: Progress;
}): Promise<GenreRunResult> {
  const { model, tokenizer, split, options: o, progress } = args;
  const rng = new T.Rng(o.seed);
  const classifier = new GenreClassifier(model, GENRES.length, rng);
  const nPositions = model.config.n_positions;
  // Every batch is padded to the split's longest passage, not its own: with one shape for every
  // step the buffer pool reuses the same storages (variable shapes took about 1.5x the peak RSS).
  const padTo = Math.max(...[...split.train, ...split.heldOut].map((p) => tokenizer.encode(p.text).length));
  const batchOf = (passages: readonly Passage[]) => passageBatch(passages, tokenizer, nPositions, padTo);
  const calibration = firstOfEachGenre(split.train, CALIBRATION_PER_GENRE);
  classifier.calibrate([batchOf(calibration)]); // on the base model, before any adapter
  // The method's adapters (injected as finetune does) and one optimizer over what it trains plus
  // the classification head, which every method trains with the plain update.
  const { optimizer, trained } = prepare(classifier.model, o, [...classifier.head.namedParameters('classifier')]);
  const heldOutBatches: PassageBatch[] = [];
  for (let start = 0; start < split.heldOut.length; start += args.evalBatch)
    heldOutBatches.push(batchOf(split.heldOut.slice(start, start + args.evalBatch)));

  const losses: GenreRunResult['losses'] = [];
  const stepTimes: number[] = [];
  let savedActivationBytes = 0;
  let stoppedAt: GenreRunResult['stoppedAt'] = null;
  for (let step = 1; step <= o.steps; step++) {
    const started = performance.now();
    const drawn = Array.from(
      { length: o.batch },
      () => split.train[Math.floor(rng.nextFloat64() * split.train.length)]!,
    );
    const batch = batchOf(drawn);
    const tape = new A.Tape();
    const loss = A.withTape(tape, () => classifier.loss(batch));
    const value = (await loss.data())[0]!;
    if (!Number.isFinite(value)) {
      stoppedAt = { step, loss: value };
      break;
    }
    savedActivationBytes = Math.max(savedActivationBytes, tape.savedBytes().peak);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    const elapsed = performance.now() - started;
    stepTimes.push(elapsed);
    losses.push({ step, loss: value });
    const tokens = T.sum(batch.lengths).item();
    progress?.update(step, { loss: value, tokensPerSecond: tokens / (elapsed / 1000) });
  }
  const sorted = [...stepTimes].sort((a, b) => a - b);
  return {
    trainableParams: trained.reduce((n, [, p]) => n + (p.requiresGrad ? p.size : 0), 0),
    ...(stoppedAt
      ? { heldOutLoss: NaN, accuracy: NaN, macroF1: NaN, f1: [], confusion: [] }
      : await evaluate(classifier, heldOutBatches, split.heldOut)),
    savedActivationBytes,
    stepMs: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    losses,
    stoppedAt,
  };
}
