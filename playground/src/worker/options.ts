import type { TrainingOptions } from '../../../packages/cli/src/training/trainer.js';
import { trainingOptions } from '../../../packages/cli/src/training/flags.js';
import type { RunSettings } from '../protocol.js';

/**
 * The page's settings as the CLI's training options: the same flag parser, so the same
 * defaults (targets c_attn,c_proj,c_fc, weight decay 0, eval every tenth of the run), limits and
 * error messages as `lorafa finetune`.
 */
export function trainingOptionsOf(s: RunSettings): TrainingOptions {
  const flags = new Map<string, string | true>([
    ['method', s.method],
    ['rank', String(s.rank)],
    ['alpha', String(s.alpha)],
    ['optimizer', s.optimizer],
    ['lr', String(s.lr)],
    ['init', s.init],
    ['steps', String(s.steps)],
    ['batch', String(s.batch)],
    ['seq', String(s.seq)],
    ['eval-batches', String(s.evalBatches)],
    ['seed', String(s.seed)],
  ]);
  if (!s.correction) flags.set('no-correction', true);
  return trainingOptions('playground', flags);
}
