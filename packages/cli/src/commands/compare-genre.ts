import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lorafa/nn/node';
import { choiceFlag, numberFlag, parseArguments, stringFlag } from '../arguments.js';
import { EXIT_STATUS_HELP, UsageError } from '../cli-error.js';
import type { CommandIo } from '../command.js';
import { GENRES, PASSAGE_BYTES } from '../data/genre.js';
import type { GenreRow } from '../genre/report.js';
import { genreMarkdownReport, genreScoresSvg, genreTextTable } from '../genre/report.js';
import { DEFAULT_VARIANTS, runLorafa, VARIANTS, variantsFlag } from '../compare/runs.js';
import { GENRE_DEFAULTS } from './classify.js';

const TASKS = ['lm', 'genre'] as const;
/** --quick: a few steps on a small held-out set, to check that everything runs (not to judge methods). */
const QUICK = { steps: 6, batch: 8, trainPerGenre: 32, heldOutPerGenre: 4 } as const;

export const COMPARE_GENRE_HELP = `lorafa compare --task genre [--quick] [--methods ${DEFAULT_VARIANTS.join(',')}] [--model models/brown-base]
               [--steps ${GENRE_DEFAULTS.steps}] [--batch ${GENRE_DEFAULTS.batch}] [--rank 8] [--lr] [--optimizer adamw|sgd] [--init gaussian|...]
               [--seed 0] [--train-per-genre ${GENRE_DEFAULTS.trainPerGenre}] [--held-out-per-genre ${GENRE_DEFAULTS.heldOutPerGenre}]
               [--out out/compare-genre] [--json]

Brown genre classification with every method on the same passages, seed and budget: a
passage of ${PASSAGE_BYTES.min}–${PASSAGE_BYTES.max} bytes → one of ${GENRES.length} genres, by a linear head on the base model's mean-pooled
last hidden state trained with each method's adapters (lorafa classify --help for the task).
Each method runs in its own process (lorafa classify), so peak memory is per method. Reports
held-out accuracy and macro-F1, held-out loss, trainable parameters (the head's included),
saved activation bytes per step (from the tape), peak RSS and the median step time; writes
OUT/report.md, OUT/report.json (with each method's training losses and per-genre F1) and
OUT/scores.svg. Methods: ${Object.keys(VARIANTS).join(', ')}.

--quick runs ${QUICK.steps} steps of batch ${QUICK.batch} on ${QUICK.trainPerGenre} training and ${QUICK.heldOutPerGenre} held-out passages per genre: it
checks that everything runs; its scores say nothing about the methods.
--task lm (the default) is the language-modelling comparison (lorafa compare --help).

Examples:
  lorafa compare --task genre --quick
  lorafa compare --task genre --steps 100 --methods lora,lora-fa --json

${EXIT_STATUS_HELP}`;

/**
 * The task `compare` is asked for (`--task lm|genre`, default lm), read before compare parses
 * its own flags, since each task has its own. An unknown task is a usage error.
 */
export function compareTask(argv: readonly string[]): (typeof TASKS)[number] {
  const flags = new Map<string, string | true>();
  argv.forEach((arg, i) => {
    if (arg === '--task') flags.set('task', argv[i + 1] ?? true);
    else if (arg.startsWith('--task=')) flags.set('task', arg.slice('--task='.length));
  });
  return choiceFlag('compare', flags, 'task', TASKS, 'lm');
}

/** `lorafa compare --task genre`: every method's `lorafa classify` run, one process each, and the report. */
export async function compareGenre(argv: readonly string[], io: CommandIo): Promise<number> {
  const { flags, positional } = parseArguments('compare', argv, {
    booleans: ['json', 'help', 'quick'],
    values: [
      'task',
      'methods',
      'model',
      'steps',
      'batch',
      'rank',
      'lr',
      'optimizer',
      'init',
      'seed',
      'train-per-genre',
      'held-out-per-genre',
      'out',
    ],
  });
  if (flags.has('help')) {
    io.out(COMPARE_GENRE_HELP);
    return 0;
  }
  if (positional.length) throw new UsageError(`compare: unexpected argument '${positional[0]}'`);
  const quick = flags.has('quick');
  const methods = variantsFlag(flags);
  const defaults = quick ? QUICK : GENRE_DEFAULTS;
  const count = (name: string, fallback: number) =>
    String(numberFlag('compare', flags, name, fallback, { integer: true, min: 1 }));
  const settings: Record<string, string> = {
    model: stringFlag(flags, 'model', join('models', 'brown-base')),
    steps: count('steps', defaults.steps),
    batch: count('batch', defaults.batch),
    rank: count('rank', 8),
    optimizer: choiceFlag('compare', flags, 'optimizer', ['adamw', 'sgd'] as const, 'adamw'),
    init: stringFlag(flags, 'init', 'gaussian'),
    seed: String(numberFlag('compare', flags, 'seed', 0, { integer: true, min: 0 })),
    'train-per-genre': count('train-per-genre', defaults.trainPerGenre),
    'held-out-per-genre': count('held-out-per-genre', defaults.heldOutPerGenre),
    ...(flags.has('lr') ? { lr: stringFlag(flags, 'lr', '') } : {}),
  };
  const shared = Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]);
  const outDir = stringFlag(flags, 'out', join('out', 'compare-genre'));
  mkdirSync(outDir, { recursive: true });

  const rows: GenreRow[] = [];
  for (const key of methods) {
    const variant = VARIANTS[key]!;
    const args = [...shared, ...variant.flags, '--label', variant.label, '--out', join(outDir, key), '--json'];
    rows.push({ key, ...runLorafa('classify', args, variant.label) } as GenreRow);
  }

  const heldOutPerGenre = Number(settings['held-out-per-genre']);
  const data = { train: GENRES.length * Number(settings['train-per-genre']), heldOut: GENRES.length * heldOutPerGenre };
  const report = { task: 'genre', date: new Date().toISOString(), quick, options: settings, data, methods: rows };
  writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  const title = `Brown genre, ${data.heldOut} held-out passages (${settings.steps} steps of ${settings.batch}, r=${settings.rank}; dashed: chance)`;
  writeFileAtomic(join(outDir, 'scores.svg'), await genreScoresSvg(rows, title));
  writeFileAtomic(join(outDir, 'report.md'), genreMarkdownReport(rows, settings, data, 'scores.svg'));
  if (flags.has('json'))
    io.out(JSON.stringify({ ...report, methods: rows.map(({ losses: _losses, ...rest }) => rest) }));
  else {
    for (const line of genreTextTable(rows)) io.out(line);
    io.out(`wrote ${join(outDir, 'report.md')}, ${join(outDir, 'report.json')} and ${join(outDir, 'scores.svg')}`);
  }
  return 0;
}
