import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readGpt2Config } from '@lorafa/nn/node';
import type { ModelSpec } from '@lorafa/lorafa';
import type { AttentionKind } from '@lorafa/lorafa';
import { ATTENTION_KINDS, estimateMemory, estimateStepMemory, gpt2Spec, MODEL_PRESETS } from '@lorafa/lorafa';
import { choiceFlag, numberFlag, parseArguments, stringFlag } from '../arguments.js';
import { EXIT_STATUS_HELP, readingInput, UsageError } from '../cli-error.js';
import type { CommandIo } from '../command.js';

export const MEMORY_HELP = `lorafa memory --model NAME|DIR [--batch 8] [--seq 1024] [--rank 64] [--dtype 16|32] [--targets a,b] [--shared-inputs] [--attention standard|memory-efficient] [--json]

The memory model (Table 1 of the paper, per adapted linear): bytes of weights, gradients,
optimizer state and saved activations of the adapted linears, for Full-FT, LoRA, LoRA-FA and
LoRA-FB. Models: ${Object.keys(MODEL_PRESETS).join(', ')}, or a Hugging Face GPT-2 folder (config.json).

Options:
  --batch, --seq, --rank   shape of a step and adapter rank (defaults 8, 1024, 64)
  --dtype 16|32            bits of weights, gradients and activations (default 16; the
                           optimizer keeps fp32 state: 12 bytes per trained parameter with
                           16-bit weights, 8 with 32-bit)
  --targets a,b            linears to adapt (default: all of the model's)
  --shared-inputs          count an input read by several adapted linears once
  --attention KIND         also count the activations every method saves alike (norms,
                           attention: standard or memory-efficient, MLP, logits) and say
                           whether each method's step fits a 24 GiB and a 40 GiB GPU
  --json                   print { methods: [{ method, weights, grads, optimizer, activations, total }] }

Examples:
  lorafa memory --model llama2-7b --batch 8 --seq 1024 --rank 64
  lorafa memory --model gpt2 --batch 4 --seq 512 --rank 8 --json
  lorafa memory --model llama2-7b --batch 1 --seq 2048 --rank 64 --attention memory-efficient

${EXIT_STATUS_HELP}`;

function specFor(model: string): ModelSpec {
  const preset = MODEL_PRESETS[model];
  if (preset) return preset;
  if (existsSync(join(model, 'config.json'))) {
    const c = readingInput(() => readGpt2Config(join(model, 'config.json')));
    return gpt2Spec({
      name: model,
      nEmbd: c.n_embd,
      nLayer: c.n_layer,
      nHead: c.n_head,
      vocab: c.vocab_size,
      nPositions: c.n_positions,
      nInner: c.n_inner ?? undefined,
    });
  }
  throw new UsageError(
    `memory: unknown model '${model}' (presets: ${Object.keys(MODEL_PRESETS).join(', ')}, or a folder with config.json)`,
  );
}

/** The largest meaningful rank: the smallest dimension of the adapted linears (unknown targets are reported later). */
function maxRank(spec: ModelSpec, targets: readonly string[] | undefined): number {
  const adapted = spec.blockLinears.filter((l) => !targets || targets.includes(l.name));
  return Math.min(...(adapted.length ? adapted : spec.blockLinears).map((l) => Math.min(l.inFeatures, l.outFeatures)));
}

const GB = (bytes: number) => (bytes / 1e9).toFixed(2).padStart(9);

export async function memoryCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { out } = io;
  const { flags, positional } = parseArguments('memory', argv, {
    booleans: ['json', 'help', 'shared-inputs'],
    values: ['model', 'batch', 'seq', 'rank', 'dtype', 'targets', 'attention'],
  });
  if (flags.has('help')) return (out(MEMORY_HELP), 0);
  if (positional.length) throw new UsageError(`memory: unexpected argument '${positional[0]}'`);
  if (!flags.has('model')) throw new UsageError('memory: --model is required (see lorafa memory --help)');
  const spec = specFor(stringFlag(flags, 'model', ''));
  const bits = Number(choiceFlag('memory', flags, 'dtype', ['16', '32'] as const, '16'));
  const targets = flags.has('targets') ? stringFlag(flags, 'targets', '').split(',').filter(Boolean) : undefined;
  const options = {
    batch: numberFlag('memory', flags, 'batch', 8, { integer: true, min: 1, max: 2 ** 20 }),
    seq: numberFlag('memory', flags, 'seq', 1024, { integer: true, min: 1, max: 2 ** 24 }),
    rank: numberFlag('memory', flags, 'rank', 64, { integer: true, min: 1 }),
    weightBytes: bits / 8,
    activationBytes: bits / 8,
    shareInputs: flags.has('shared-inputs'),
    targets,
  };
  const rankLimit = maxRank(spec, targets);
  if (options.rank > rankLimit)
    throw new UsageError(
      `memory: --rank ${options.rank} exceeds ${rankLimit}, the smallest dimension of ${spec.name}'s adapted linears; a rank above it adds nothing`,
    );
  let rows: ReturnType<typeof estimateMemory>;
  try {
    rows = estimateMemory(spec, options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (flags.has('attention')) {
    const attention = choiceFlag<AttentionKind>('memory', flags, 'attention', ATTENTION_KINDS, 'standard');
    return stepMemory(spec, { ...options, attention }, bits, flags.has('json'), out);
  }
  if (flags.has('json')) {
    out(
      JSON.stringify({
        model: spec.name,
        ...options,
        methods: rows.map(({ method, trainableParameters, weights, grads, optimizer, activations, total }) => ({
          method,
          trainableParameters,
          weights,
          grads,
          optimizer,
          activations,
          total,
        })),
      }),
    );
    return 0;
  }
  out(
    `${spec.name}: batch ${options.batch}, seq ${options.seq}, rank ${options.rank}, ${bits}-bit, ${targets ? targets.join(', ') : 'all linears'} adapted${options.shareInputs ? ', shared inputs counted once' : ''} (GB = 10^9 bytes)`,
  );
  out(
    `${'method'.padEnd(8)} ${'trainable'.padStart(14)} ${'weights'.padStart(9)} ${'grads'.padStart(9)} ${'optimizer'.padStart(9)} ${'activations'.padStart(11)} ${'total'.padStart(9)}`,
  );
  for (const r of rows) {
    out(
      `${r.method.padEnd(8)} ${r.trainableParameters.toLocaleString('en').padStart(14)} ${GB(r.weights)} ${GB(r.grads)} ${GB(r.optimizer)} ${GB(r.activations).padStart(11)} ${GB(r.total)}`,
    );
  }
  const lora = rows.find((r) => r.method === 'lora')!;
  const fa = rows.find((r) => r.method === 'lora-fa')!;
  out(`LoRA-FA saves ${((lora.activations - fa.activations) / 1e9).toFixed(2)} GB of activations over LoRA.`);
  return 0;
}

const GIB = 2 ** 30;
const GPUS = [24, 40];

/** --attention: each method's whole step (estimateStepMemory) and whether it fits 24 and 40 GiB. */
function stepMemory(
  spec: ModelSpec,
  options: Parameters<typeof estimateStepMemory>[1] & { attention: AttentionKind },
  bits: number,
  json: boolean,
  out: (line: string) => void,
): number {
  let rows: ReturnType<typeof estimateStepMemory>;
  try {
    rows = estimateStepMemory(spec, options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const fits = (bytes: number) => Object.fromEntries(GPUS.map((g) => [`${g}GiB`, bytes <= g * GIB]));
  if (json) {
    out(
      JSON.stringify({ model: spec.name, ...options, methods: rows.map((r) => ({ ...r, fits: fits(r.stepTotal) })) }),
    );
    return 0;
  }
  out(
    `${spec.name}: batch ${options.batch}, seq ${options.seq}, rank ${options.rank}, ${bits}-bit, ${options.attention} attention, whole step (GB = 10^9 bytes; GPUs in GiB)`,
  );
  out(
    `${'method'.padEnd(8)} ${'weights+grads+opt'.padStart(17)} ${'adapted-linear act.'.padStart(19)} ${'other act.'.padStart(10)} ${'step total'.padStart(10)}  ${GPUS.map((g) => `fits ${g} GiB`).join('  ')}`,
  );
  for (const r of rows) {
    const fit = GPUS.map((g) => (r.stepTotal <= g * GIB ? 'yes' : 'no').padStart(`fits ${g} GiB`.length)).join('  ');
    out(
      `${r.method.padEnd(8)} ${GB(r.weights + r.grads + r.optimizer).padStart(17)} ${GB(r.activations).padStart(19)} ${GB(r.otherActivations).padStart(10)} ${GB(r.stepTotal).padStart(10)}  ${fit}`,
    );
  }
  out(
    'A model of PyTorch-style saved tensors (docs/experiments.md); framework and allocator overheads are not counted.',
  );
  return 0;
}
