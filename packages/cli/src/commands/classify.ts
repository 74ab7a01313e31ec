import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lorafa/nn/node';
import { numberFlag, parseArguments, stringFlag } from '../arguments.js';
import { EXIT_STATUS_HELP, NumericalFailure, UsageError } from '../cli-error.js';
import type { CommandIo } from '../command.js';
import { GENRES, genreSplit, PASSAGE_BYTES } from '../data/genre.js';
import type { GenreOptions, GenreSummary } from '../genre/train.js';
import { trainGenre } from '../genre/train.js';
import { loadBaseModel } from '../training/base-model.js';
import { LIMITS, trainingOptions } from '../training/flags.js';
import { Progress } from '../training/progress.js';

/** The genre task's defaults, shared with `compare --task genre`. */
export const GENRE_DEFAULTS = {
  steps: 150,
  batch: 16,
  trainPerGenre: 256,
  heldOutPerGenre: 40,
  evalBatch: 64,
} as const;

const METHOD_FLAGS = ['method', 'rank', 'alpha', 'lr', 'optimizer', 'steps', 'batch', 'targets', 'init', 'seed'];
const GENRE_FLAGS = ['train-per-genre', 'held-out-per-genre', 'eval-batch'];

export const CLASSIFY_HELP = `lorafa classify --model DIR [--method full|lora|lora-fa|lora-fb] [--no-correction] [--rank 8]
                [--alpha 2r] [--lr] [--optimizer adamw|sgd] [--steps ${GENRE_DEFAULTS.steps}] [--batch ${GENRE_DEFAULTS.batch}]
                [--targets c_attn,c_proj,c_fc] [--init gaussian|...] [--seed 0] [--weight-decay 0]
                [--train-per-genre ${GENRE_DEFAULTS.trainPerGenre}] [--held-out-per-genre ${GENRE_DEFAULTS.heldOutPerGenre}] [--eval-batch ${GENRE_DEFAULTS.evalBatch}]
                [--label NAME] [--out DIR] [--json]

Brown genre classification with one method: a passage of ${PASSAGE_BYTES.min}–${PASSAGE_BYTES.max} bytes → one of the
corpus's ${GENRES.length} genres (${[...GENRES].join(' ')}). A linear head (n_embd → ${GENRES.length}) reads the
model's last hidden state (after ln_f), mean-pooled over the passage's tokens and standardised
per feature (μ and σ measured once on the base model, from 8 training passages per genre); it
is trained with the method's adapters (injected as finetune does; --method full trains the
whole model), cross-entropy loss. Each genre gives --train-per-genre passages from its
training files and --held-out-per-genre from its held-out files (every fifth file, as for
language modelling), so the classes are balanced. Reports held-out accuracy, macro-F1 (the
unweighted mean of the ${GENRES.length} per-genre F1), the held-out loss, trainable parameters (the head's
included), saved activation bytes per step (from the tape), the median step time and peak
RSS; writes OUT/metrics.json (default out/classify-METHOD). No checkpoints are written.
lorafa compare --task genre runs every method.

Examples:
  lorafa classify --model models/brown-base --method lora-fa --steps 150
  lorafa classify --model models/brown-base --method full --lr 1e-3 --json

${EXIT_STATUS_HELP}`;

export async function classifyCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { flags, positional } = parseArguments('classify', argv, {
    booleans: ['json', 'help', 'no-correction'],
    values: ['model', 'out', 'label', 'weight-decay', ...METHOD_FLAGS, ...GENRE_FLAGS],
  });
  if (flags.has('help')) {
    io.out(CLASSIFY_HELP);
    return 0;
  }
  if (positional.length) throw new UsageError(`classify: unexpected argument '${positional[0]}'`);
  if (!flags.has('model')) throw new UsageError('classify: --model is required (see lorafa classify --help)');
  const all = trainingOptions('classify', flags, { steps: GENRE_DEFAULTS.steps, batch: GENRE_DEFAULTS.batch });
  const { method, correction, rank, alpha, lr, optimizer, weightDecay, steps, batch, targets, init, seed } = all;
  const options: GenreOptions = {
    method,
    correction,
    rank,
    alpha,
    lr,
    optimizer,
    weightDecay,
    steps,
    batch,
    targets,
    init,
    seed,
  };
  // (a count above what a genre has is refused by genreSplit, naming the genre)
  const count = (name: string, fallback: number) =>
    numberFlag('classify', flags, name, fallback, { integer: true, min: 1, max: LIMITS.batch });
  const trainPerGenre = count('train-per-genre', GENRE_DEFAULTS.trainPerGenre);
  const heldOutPerGenre = count('held-out-per-genre', GENRE_DEFAULTS.heldOutPerGenre);
  const evalBatch = count('eval-batch', GENRE_DEFAULTS.evalBatch);
  const label = stringFlag(
    flags,
    'label',
    method + (correction || method === 'full' || method === 'lora' ? '' : ' (no correction)'),
  );
  const outDir = stringFlag(flags, 'out', join('out', `classify-${method}`));

  const split = genreSplit({ trainPerGenre, heldOutPerGenre });
  const { model, tokenizer } = loadBaseModel(stringFlag(flags, 'model', ''));
  mkdirSync(outDir, { recursive: true });
  const result = await trainGenre({
    model,
    tokenizer,
    split,
    options,
    evalBatch,
    progress: new Progress(label, steps, 0),
  });
  if (result.stoppedAt)
    throw new NumericalFailure(
      `loss became ${result.stoppedAt.loss} at step ${result.stoppedAt.step}; the run stopped before updating (rerun with a lower --lr)`,
    );
  const data = { trainPerGenre, heldOutPerGenre, train: split.train.length, heldOut: split.heldOut.length };
  writeFileAtomic(
    join(outDir, 'metrics.json'),
    `${JSON.stringify({ options, data, method: label, ...result }, null, 1)}\n`,
  );
  const { confusion: _confusion, ...rest } = result;
  const summary: GenreSummary = { method: label, ...rest };
  if (flags.has('json')) io.out(JSON.stringify(summary));
  else {
    io.out(
      `${label}: held-out accuracy ${(100 * result.accuracy).toFixed(1)} %, macro-F1 ${result.macroF1.toFixed(3)} on ${split.heldOut.length} passages (chance ${(100 / GENRES.length).toFixed(1)} %), ${result.trainableParams.toLocaleString('en')} trainable parameters`,
    );
    io.out(`wrote ${join(outDir, 'metrics.json')}`);
  }
  return 0;
}
