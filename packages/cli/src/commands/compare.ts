import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GPT2Attention } from '@lorafa/nn';
import { GPT2_ATTENTIONS } from '@lorafa/nn';
import { readGpt2Config, writeFileAtomic } from '@lorafa/nn/node';
import type { LoraMethod } from '@lorafa/lorafa';
import { gpt2Spec, gpt2StepFlops } from '@lorafa/lorafa';
import { choiceFlag, numberFlag, parseArguments, stringFlag } from '../arguments.js';
import { CliError, EXIT, EXIT_STATUS_HELP, UsageError } from '../cli-error.js';
import { lossCurvesSvg } from '../report/plot.js';
import type { CurvePoint } from '../report/plot.js';
import { markdownReport, textTable } from '../report/table.js';
import type { MethodReport } from '../report/table.js';
import { measureMatmulPeak } from '../report/matmul-peak.js';
import type { CommandIo } from '../command.js';

/** The variants compare can run: a key, its finetune flags and its label. */
export const VARIANTS: Record<string, { flags: string[]; label: string }> = {
  full: { flags: ['--method', 'full'], label: 'Full-FT' },
  lora: { flags: ['--method', 'lora'], label: 'LoRA' },
  'lora-fa-nocorr': { flags: ['--method', 'lora-fa', '--no-correction'], label: 'LoRA-FA (no correction)' },
  'lora-fa': { flags: ['--method', 'lora-fa'], label: 'LoRA-FA' },
  'lora-fb': { flags: ['--method', 'lora-fb'], label: 'LoRA-FB' },
  'lora-fb-nocorr': { flags: ['--method', 'lora-fb', '--no-correction'], label: 'LoRA-FB (no correction)' },
};
const DEFAULT_METHODS = ['full', 'lora', 'lora-fa-nocorr', 'lora-fa', 'lora-fb'];
/** finetune's default --targets ('c_proj' matches attn.c_proj and mlp.c_proj): every block linear. */
const DEFAULT_TARGETS = ['c_attn', 'c_proj', 'c_fc'];

export const COMPARE_HELP = `lorafa compare [--quick] [--methods ${DEFAULT_METHODS.join(',')}] [--model models/brown-base]
               [--data brown:fiction] [--steps] [--rank 8] [--optimizer adamw|sgd] [--init gaussian|anisotropic|...]
               [--seed 0] [--batch 8] [--seq 64] [--attention standard|memory-efficient]
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

--attention standard|memory-efficient is passed to every run (default: the model's config.json);
the saved activations and GFLOP/step follow it.

--backend NAME (or LORAFA_BACKEND) is passed to every method's run (see lorafa finetune --help
for the backends); on a gpu backend cond(Gram) and the cosine are not measured.

Examples:
  lorafa compare --quick
  lorafa compare --optimizer sgd --methods lora-fa-nocorr,lora-fa
  lorafa compare --init anisotropic --methods lora-fa-nocorr,lora-fa --json

${EXIT_STATUS_HELP}`;

function binPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'lorafa.mjs');
}

export async function compareCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { out } = io;
  const { flags, positional } = parseArguments('compare', argv, {
    booleans: ['json', 'help', 'quick'],
    values: [
      'methods',
      'model',
      'data',
      'steps',
      'rank',
      'optimizer',
      'init',
      'attention',
      'seed',
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
  const methods = stringFlag(flags, 'methods', DEFAULT_METHODS.join(',')).split(',').filter(Boolean);
  const unknown = methods.filter((m) => !VARIANTS[m]);
  if (unknown.length)
    throw new UsageError(
      `compare: unknown method ${unknown.join(', ')} (choose from ${Object.keys(VARIANTS).join(', ')})`,
    );
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
    '--init',
    stringFlag(flags, 'init', 'gaussian'),
    '--seed',
    String(numberFlag('compare', flags, 'seed', 0, { integer: true, min: 0 })),
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
  const reports: MethodReport[] = [];
  for (const key of methods) {
    const variant = VARIANTS[key]!;
    const child = spawnSync(
      process.execPath,
      [
        binPath(),
        'finetune',
        ...shared,
        ...variant.flags,
        '--label',
        variant.label,
        '--out',
        join(outDir, key),
        '--json',
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (child.status !== 0) {
      const code = child.status === EXIT.failure || child.status === EXIT.badInput ? child.status : EXIT.internal;
      throw new CliError(
        `the ${variant.label} run failed (exit ${child.status ?? child.signal}); see the messages above`,
        code,
      );
    }
    reports.push({ key, ...JSON.parse(child.stdout.trim().split('\n').at(-1)!) });
  }
  addThroughput(reports, methods, shared, flags.has('backend') ? stringFlag(flags, 'backend', '') : null);
  const points: CurvePoint[] = reports.flatMap((r) => [
    ...r.history.losses.map((p) => ({ method: r.method, step: p.step, loss: p.loss, kind: 'train' as const })),
    ...r.history.evals.map((p) => ({ method: r.method, step: p.step, loss: p.loss, kind: 'held-out' as const })),
  ]);
  const options = Object.fromEntries(shared.flatMap((v, i) => (i % 2 === 0 ? [[v.slice(2), shared[i + 1]]] : [])));
  const report = {
    date: new Date().toISOString(),
    quick,
    options,
    methods: reports.map(({ history, ...rest }) => ({ ...rest, history })),
  };
  writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  writeFileAtomic(
    join(outDir, 'loss-curves.svg'),
    await lossCurvesSvg(
      points,
      `Loss on ${options['data']} (${options['optimizer']}, ${steps} steps, r=${options['rank']})`,
    ),
  );
  writeFileAtomic(join(outDir, 'report.md'), markdownReport(reports, options, 'loss-curves.svg'));
  if (flags.has('json'))
    out(JSON.stringify({ ...report, methods: reports.map(({ history: _history, ...rest }) => rest) }));
  else {
    for (const line of textTable(reports)) out(line);
    out(`wrote ${join(outDir, 'report.md')}, ${join(outDir, 'report.json')} and ${join(outDir, 'loss-curves.svg')}`);
  }
  return 0;
}

/**
 * Model FLOPs per step (gpt2StepFlops, from the base model's config.json and the run's shape),
 * the achieved GFLOP/s, and MFU against the matmul peak measured now (CPU backends only).
 */
function addThroughput(
  reports: MethodReport[],
  methods: readonly string[],
  shared: readonly string[],
  backend: string | null,
): void {
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
  reports.forEach((r, i) => {
    const method = VARIANTS[methods[i]!]!.flags[1] as LoraMethod;
    const shape = { batch: Number(option('batch')), seq: Number(option('seq')), rank: Number(option('rank')) };
    const attention = shared.includes('--attention') ? (option('attention') as GPT2Attention) : c.attention;
    r.stepGflop = gpt2StepFlops(spec, { method, ...shape, targets: DEFAULT_TARGETS, attention }).total / 1e9;
    r.gflopPerSecond = r.stepGflop / (r.stepMs / 1000);
    r.mfu = peak === null ? null : r.gflopPerSecond / peak;
  });
}
