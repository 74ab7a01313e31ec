import { join } from 'node:path';
import { ByteTokenizer, GPT2 } from '@lorafa/nn';
import { saveGpt2, writeFileAtomic } from '@lorafa/nn/node';
import { numberFlag, parseArguments, stringFlag } from '../arguments.js';
import { EXIT_STATUS_HELP, NumericalFailure, UsageError } from '../cli-error.js';
import { loadCorpus } from '../data/corpus.js';
import { BYTE_TOKENIZER_CONFIG } from '../training/base-model.js';
import { Progress } from '../training/progress.js';
import { train } from '../training/trainer.js';
import { trainingOptions } from '../training/flags.js';
import type { CommandIo } from '../command.js';

export const PRETRAIN_HELP = `lorafa pretrain [--data brown:nonfiction] [--out models/brown-base] [--embd 64] [--layers 2] [--heads 4]
               [--positions 128] [--steps 300] [--batch 8] [--seq 64] [--lr 3e-3] [--seed 0] [--json]

Trains a small GPT-2-architecture model from scratch with a byte-level tokenizer (257 tokens:
the 256 bytes and end-of-text) and AdamW, and saves it in Hugging Face layout
(config.json, model.safetensors, tokenizer_config.json).

Examples:
  lorafa pretrain --data brown:nonfiction --out models/brown-base --steps 300 --seed 0
  lorafa pretrain --data corpus.txt --embd 32 --layers 1 --steps 50 --out /tmp/tiny

${EXIT_STATUS_HELP}`;

export async function pretrainCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { out } = io;
  const { flags, positional } = parseArguments('pretrain', argv, {
    booleans: ['json', 'help'],
    values: [
      'data',
      'out',
      'embd',
      'layers',
      'heads',
      'positions',
      'steps',
      'batch',
      'seq',
      'lr',
      'seed',
      'eval-every',
      'eval-batches',
    ],
  });
  if (flags.has('help')) return (out(PRETRAIN_HELP), 0);
  if (positional.length) throw new UsageError(`pretrain: unexpected argument '${positional[0]}'`);
  const embd = numberFlag('pretrain', flags, 'embd', 64, { integer: true, min: 1 });
  const heads = numberFlag('pretrain', flags, 'heads', 4, { integer: true, min: 1 });
  if (embd % heads !== 0) throw new UsageError(`pretrain: --embd ${embd} must be divisible by --heads ${heads}`);
  const config = {
    vocab_size: 257,
    n_positions: numberFlag('pretrain', flags, 'positions', 128, { integer: true, min: 2 }),
    n_embd: embd,
    n_layer: numberFlag('pretrain', flags, 'layers', 2, { integer: true, min: 1 }),
    n_head: heads,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new' as const,
  };
  const options = trainingOptions('pretrain', flags, { method: 'full', steps: 300, lr: 3e-3 });
  if (options.seq > config.n_positions)
    throw new UsageError(`pretrain: --seq ${options.seq} exceeds --positions ${config.n_positions}`);
  const outDir = stringFlag(flags, 'out', join('models', 'brown-base'));
  const corpus = loadCorpus(stringFlag(flags, 'data', 'brown:nonfiction'));
  for (const warning of corpus.warnings) io.err(warning);
  const model = new GPT2(config, { seed: options.seed });
  const result = await train({
    model,
    tokenizer: new ByteTokenizer(),
    corpus,
    options: { ...options, checkpointEvery: 0 },
    progress: new Progress('pretrain', options.steps, 0),
  });
  if (result.stoppedAt)
    throw new NumericalFailure(
      `loss became ${result.stoppedAt.loss} at step ${result.stoppedAt.step}; nothing saved (lower --lr?)`,
    );
  saveGpt2(model, outDir);
  writeFileAtomic(join(outDir, 'tokenizer_config.json'), `${JSON.stringify(BYTE_TOKENIZER_CONFIG, null, 2)}\n`);
  const summary = {
    out: outDir,
    corpus: corpus.name,
    config,
    steps: options.steps,
    seed: options.seed,
    evalLoss: result.evalLoss,
    perplexity: Math.exp(result.evalLoss),
    evals: result.history.evals,
  };
  writeFileAtomic(join(outDir, 'training.json'), `${JSON.stringify(summary, null, 1)}\n`);
  if (flags.has('json')) out(JSON.stringify(summary));
  else
    out(
      `pretrained ${config.n_layer}-layer GPT-2 (n_embd ${embd}) on ${corpus.name}: held-out loss ${result.evalLoss.toFixed(4)} (perplexity ${Math.exp(result.evalLoss).toFixed(2)}); saved to ${outDir}`,
    );
  return 0;
}
