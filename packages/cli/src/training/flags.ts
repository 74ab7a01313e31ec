import type { LoraInit, LoraMethod } from '@lorafa/lorafa';
import type { GPT2Attention } from '@lorafa/nn';
import { GPT2_ATTENTIONS } from '@lorafa/nn';
import { LORA_INITS, LORA_METHODS } from '@lorafa/lorafa';
import { choiceFlag, numberFlag, stringFlag } from '../arguments.js';
import type { TrainingOptions } from './trainer.js';

/**
 * Upper limits of the integer flags: far above any run this CPU library can do, low enough that
 * a typo cannot ask for an absurd allocation. The seed is the PRNG's: a 32-bit unsigned integer.
 * (The rank is further limited by the adapted layers' dimensions; see the trainer.)
 */
export const LIMITS = {
  rank: 65536,
  steps: 10_000_000,
  batch: 4096,
  seq: 65536,
  seed: 2 ** 32 - 1,
  evalBatches: 10_000,
} as const;

/** Flags every training command shares. */
export const TRAINING_VALUE_FLAGS = [
  'method',
  'rank',
  'alpha',
  'lr',
  'optimizer',
  'steps',
  'batch',
  'seq',
  'targets',
  'init',
  'attention',
  'seed',
  'weight-decay',
  'eval-every',
  'eval-batches',
  'checkpoint-every',
];

export function trainingOptions(
  command: string,
  flags: Map<string, string | true>,
  defaults: Partial<TrainingOptions> = {},
): TrainingOptions {
  const method = choiceFlag<LoraMethod>(command, flags, 'method', LORA_METHODS, defaults.method ?? 'lora-fa');
  const rank = numberFlag(command, flags, 'rank', defaults.rank ?? 8, { integer: true, min: 1, max: LIMITS.rank });
  const steps = numberFlag(command, flags, 'steps', defaults.steps ?? 100, {
    integer: true,
    min: 1,
    max: LIMITS.steps,
  });
  return {
    method,
    correction: !flags.has('no-correction'),
    rank,
    alpha: numberFlag(command, flags, 'alpha', defaults.alpha ?? 2 * rank, { min: Number.MIN_VALUE }),
    lr: numberFlag(command, flags, 'lr', defaults.lr ?? (method === 'full' ? 1e-3 : 5e-3), { min: 0 }),
    optimizer: choiceFlag(command, flags, 'optimizer', ['adamw', 'sgd'] as const, defaults.optimizer ?? 'adamw'),
    weightDecay: numberFlag(command, flags, 'weight-decay', defaults.weightDecay ?? 0, { min: 0 }),
    steps,
    batch: numberFlag(command, flags, 'batch', defaults.batch ?? 8, { integer: true, min: 1, max: LIMITS.batch }),
    seq: numberFlag(command, flags, 'seq', defaults.seq ?? 64, { integer: true, min: 2, max: LIMITS.seq }),
    targets: stringFlag(flags, 'targets', (defaults.targets ?? ['c_attn', 'c_proj', 'c_fc']).join(','))
      .split(',')
      .filter(Boolean),
    init: choiceFlag<LoraInit>(command, flags, 'init', LORA_INITS, defaults.init ?? 'gaussian'),
    attention: choiceFlag<GPT2Attention>(
      command,
      flags,
      'attention',
      GPT2_ATTENTIONS,
      defaults.attention ?? 'standard',
    ),
    seed: numberFlag(command, flags, 'seed', defaults.seed ?? 0, { integer: true, min: 0, max: LIMITS.seed }),
    evalEvery: numberFlag(command, flags, 'eval-every', defaults.evalEvery ?? Math.max(1, Math.ceil(steps / 10)), {
      integer: true,
      min: 1,
    }),
    evalBatches: numberFlag(command, flags, 'eval-batches', defaults.evalBatches ?? 4, {
      integer: true,
      min: 1,
      max: LIMITS.evalBatches,
    }),
    checkpointEvery: numberFlag(
      command,
      flags,
      'checkpoint-every',
      defaults.checkpointEvery ?? Math.max(1, Math.ceil(steps / 5)),
      { integer: true, min: 0 },
    ),
  };
}
