import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GPT2Attention } from '@lorafa/nn';
import { GPT2_ATTENTIONS } from '@lorafa/nn';
import { readGpt2Config, writeFileAtomic } from '@lorafa/nn/node';
import type { LoraMethod } from '@lorafa/lorafa';
import { gpt2Spec, gpt2StepFlops, LORA_INITS } from '@lorafa/lorafa';
import { choiceFlag, numberFlag, parseArguments, stringFlag } from '../arguments.js';
import { EXIT_STATUS_HELP, UsageError } from '../cli-error.js';
import { distributionsSection } from '../compare/distributions-section.js';
import { initsAndSeeds } from '../compare/inits-and-seeds.js';
import { DEFAULT_VARIANTS, planRuns, runFinetune, VARIANTS, variantsFlag } from '../compare/runs.js';
import { initVerdictOf, verdictLines } from '../report/init-verdict.js';
import type { SeededRun } from '../report/seed-groups.js';
import { groupRuns, groupTable } from '../report/seed-groups.js';
import { seedSpreadSvg } from '../report/seed-plot.js';
import { lossCurvesSvg } from '../report/plot.js';
import type { CurvePoint } from '../report/plot.js';
import { markdownReport, textTable } from '../report/table.js';
import type { MethodReport } from '../report/table.js';
import { measureMatmulPeak } from '../report/matmul-peak.js';
import type { CommandIo } from '../command.js';
import { compareGenre, compareTask } from './compare-genre.js';

/** finetune's default --targets ('c_proj' matches attn.c_proj and mlp.c_proj): every block linear. */
const DEFAULT_TARGETS = ['c_attn', 'c_proj', 'c_fc'];

export const COMPARE_HELP = `lorafa compare [--quick] [--methods ${DEFAULT_VARIANTS.join(',')}] [--model models/brown-base]
               [--data brown:fiction] [--steps] [--rank 8] [--optimizer adamw|sgd]
               [--init gaussian | --inits gaussian,uniform,mixed,pissa] [--seed 0 | --seeds 0,1,2]
               [--batch 8] [--seq 64] [--attention standard|memory-efficient]
               [--out out/compare] [--json] [--backend NAME]

Fine-tunes the same base model on the same data, seed and budget with each method (each in
its own process, so peak memory is per method) and reports: trainable parameters, held-out
loss and perplexity, saved activation bytes per step (from the tape), peak RSS, step time,
tokens/s, and for LoRA-FA/LoRA-FB cond(Gram), the exact condition number λmax/λmin of the frozen
factor's Gram matrix (A Aᵀ or Bᵀ B, from its singular values; mean over layers and steps), and
the cosine between the corrected and the uncorrected update; model GFLOP per step (matrix
products, forward and backward, that the method computes), GFLOP/s, and MFU against this
machine's float32 matmul peak measured in the same run (CPU backends). Writes OUT/report.md,
OUT/report.json and OUT/loss-curves.svg. Methods: ${Object.keys(VARIANTS).join(', ')}.

The default is the embedded Brown task: a GPT-2 pretrained on non-fiction (models/brown-base)
adapted to fiction. --quick runs a short budget (under 2 minutes on 2 cores).

Inits and seeds: --inits runs every method with each init (${LORA_INITS.join(', ')}) and
each seed of --seeds (default 0,1,2 with --inits; the seed draws A and orders the batches, the
same for every init). The report adds, per method and init, held-out loss, cond(Gram) and the
cosine as mean ± sd over the seeds, and for LoRA-FA a verdict on the paper's claims (Section
6.5, Table 5, Table 12): Gaussian ≥ mixed ≥ uniform, and PiSSA-style A worse than Gaussian,
where a difference of mean losses counts only beyond 2·√(sd²/n + sd²/n).

Where A and B end up (Figure 3): each run records, per module kind (c_attn, attn.c_proj, c_fc,
mlp.c_proj), histograms of A's and B's entries at the start and the end with their excess
kurtosis and KS distance to the fitted Gaussian. For the LoRA and LoRA-FA runs (first seed),
OUT/distributions.svg draws them as small multiples and the report says, per factor, whether it
drifted toward a Gaussian (its KS distance fell), stayed frozen, or (B, from 0) ends Gaussian-like.
Try: lorafa compare --methods lora,lora-fa --init uniform

--attention standard|memory-efficient is passed to every run (default: the model's config.json);
the saved activations and GFLOP/step follow it.

--backend NAME (or LORAFA_BACKEND) is passed to every method's run (see lorafa finetune --help
for the backends); on a gpu backend cond(Gram) and the cosine are not measured.

--task genre compares the methods on Brown genre classification instead (its options:
lorafa compare --task genre --help); --task lm, the default, is the task above.

Examples:
  lorafa compare --quick
  lorafa compare --optimizer sgd --methods lora-fa-nocorr,lora-fa
  lorafa compare --init anisotropic --methods lora-fa-nocorr,lora-fa --json
  lorafa compare --methods lora-fa --inits gaussian,uniform,mixed,pissa --seeds 0,1,2

${EXIT_STATUS_HELP}`;

export async function compareCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (compareTask(argv) === 'genre') return compareGenre(argv, io);
  const { out } = io;
  const { flags, positional } = parseArguments('compare', argv, {
    booleans: ['json', 'help', 'quick'],
    values: [
      'task',
      'methods',
      'model',
      'data',
      'steps',
      'rank',
      'optimizer',
      'init',
      'inits',
      'attention',
      'seed',
      'seeds',
      'out',
      'lr',
      'batch',
      'seq',
      'backend',
    ],
  });
  if (flags.has('help')) return (out(COMPARE_HELP), 0);
  if (positional.length) throw new UsageError(`compare: unexpected argument '${positional[0]}'`);
  const quick = flags.has('quick');
  const methods = variantsFlag(flags);
  const { inits, seeds } = initsAndSeeds(flags);
  const steps = numberFlag('compare', flags, 'steps', quick ? 12 : 60, { integer: true, min: 1 });
  const outDir = stringFlag(flags, 'out', join('out', 'compare'));
  const shared = [
    '--model',
    stringFlag(flags, 'model', join('models', 'brown-base')),
    '--data',
    stringFlag(flags, 'data', 'brown:fiction'),
    '--steps',
    String(steps),
    '--rank',
    String(numberFlag('compare', flags, 'rank', 8, { integer: true, min: 1 })),
    '--optimizer',
    choiceFlag('compare', flags, 'optimizer', ['adamw', 'sgd'] as const, 'adamw'),
    '--batch',
    String(numberFlag('compare', flags, 'batch', 8, { integer: true, min: 1 })),
    '--seq',
    String(numberFlag('compare', flags, 'seq', 64, { integer: true, min: 2 })),
    '--eval-every',
    String(Math.max(1, Math.round(steps / (quick ? 3 : 6)))),
    '--eval-batches',
    String(quick ? 2 : 8),
    '--checkpoint-every',
    '0',
    ...(flags.has('lr') ? ['--lr', stringFlag(flags, 'lr', '')] : []),
    ...(flags.has('attention')
      ? ['--attention', choiceFlag('compare', flags, 'attention', GPT2_ATTENTIONS, 'standard')]
      : []),
    ...(flags.has('backend') ? ['--backend', stringFlag(flags, 'backend', '')] : []),
  ];
  mkdirSync(outDir, { recursive: true });
  const planned = planRuns(methods, inits, seeds);
  const reports: SeededRun[] = planned.map((run) => ({
    key: run.key,
    variant: run.variant,
    init: run.init,
    seed: run.seed,
    ...(runFinetune(run, shared, outDir) as Omit<MethodReport, 'key'>),
  }));
  addThroughput(reports, shared, flags.has('backend') ? stringFlag(flags, 'backend', '') : null);
  const points: CurvePoint[] = reports.flatMap((r) => [
    ...r.history.losses.map((p) => ({ method: r.method, step: p.step, loss: p.loss, kind: 'train' as const })),
    ...r.history.evals.map((p) => ({ method: r.method, step: p.step, loss: p.loss, kind: 'held-out' as const })),
  ]);
  const options: Record<string, string | undefined> = {
    ...Object.fromEntries(shared.flatMap((v, i) => (i % 2 === 0 ? [[v.slice(2), shared[i + 1]]] : []))),
    inits: inits.join(','),
    seeds: seeds.join(','),
  };
  const seeded = planned.length > methods.length;
  const groups = seeded ? groupRuns(reports, (variant) => VARIANTS[variant]!.label) : null;
  const verdict = groups ? initVerdictOf(groups) : null;
  const distributions = await distributionsSection(reports);
  const report = {
    date: new Date().toISOString(),
    quick,
    options,
    ...(groups ? { groups, verdict } : {}),
    ...(distributions ? { drift: distributions.drift } : {}),
    methods: reports,
  };
  writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  writeFileAtomic(
    join(outDir, 'loss-curves.svg'),
    await lossCurvesSvg(
      points,
      `Loss on ${options['data']} (${options['optimizer']}, ${steps} steps, r=${options['rank']})`,
    ),
  );
  if (groups)
    writeFileAtomic(
      join(outDir, 'seeds.svg'),
      await seedSpreadSvg(
        reports,
        groups,
        `Held-out loss over seeds ${options['seeds']} (${steps} steps, r=${options['rank']})`,
      ),
    );
  const seedSection = groups
    ? [
        '',
        '## Over seeds',
        '',
        ...groupTable(groups, 'markdown'),
        '',
        '![held-out loss over seeds](seeds.svg)',
        '',
        ...verdictLines(verdict),
      ]
    : [];
  if (distributions) writeFileAtomic(join(outDir, 'distributions.svg'), distributions.svg);
  const distributionLines = distributions
    ? [
        '',
        '## Where A and B end up',
        '',
        '![A and B entries, start and end](distributions.svg)',
        '',
        ...distributions.lines,
      ]
    : [];
  writeFileAtomic(
    join(outDir, 'report.md'),
    markdownReport(reports, options, 'loss-curves.svg') +
      [...seedSection, ...distributionLines].map((l) => `${l}\n`).join(''),
  );
  if (flags.has('json'))
    out(JSON.stringify({ ...report, methods: reports.map(({ history: _history, ...rest }) => rest) }));
  else {
    for (const line of textTable(reports)) out(line);
    if (groups) for (const line of ['', ...groupTable(groups, 'text'), '', ...verdictLines(verdict)]) out(line);
    if (distributions) for (const line of ['', ...distributions.lines]) out(line);
    out(`wrote ${join(outDir, 'report.md')}, ${join(outDir, 'report.json')} and ${join(outDir, 'loss-curves.svg')}`);
  }
  return 0;
}

/**
 * Model FLOPs per step (gpt2StepFlops, from the base model's config.json and the run's shape),
 * the achieved GFLOP/s, and MFU against the matmul peak measured now (CPU backends only).
 */
function addThroughput(reports: SeededRun[], shared: readonly string[], backend: string | null): void {
  const option = (name: string) => shared[shared.indexOf(`--${name}`) + 1]!;
  const configPath = join(option('model'), 'config.json');
  if (!existsSync(configPath)) return;
  const c = readGpt2Config(configPath);
  const spec = gpt2Spec({
    name: option('model'),
    nEmbd: c.n_embd,
    nLayer: c.n_layer,
    nHead: c.n_head,
    vocab: c.vocab_size,
    nPositions: c.n_positions,
    nInner: c.n_inner ?? undefined,
  });
  const peak = backend === null || backend.startsWith('cpu') ? measureMatmulPeak() : null;
  reports.forEach((r) => {
    const method = VARIANTS[r.variant]!.flags[1] as LoraMethod;
    const shape = { batch: Number(option('batch')), seq: Number(option('seq')), rank: Number(option('rank')) };
    const attention = shared.includes('--attention') ? (option('attention') as GPT2Attention) : c.attention;
    r.stepGflop = gpt2StepFlops(spec, { method, ...shape, targets: DEFAULT_TARGETS, attention }).total / 1e9;
    r.gflopPerSecond = r.stepGflop / (r.stepMs / 1000);
    r.mfu = peak === null ? null : r.gflopPerSecond / peak;
  });
}
