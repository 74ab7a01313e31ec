import type { Variable } from '@lorafa/autograd';
import type { GPT2, Optimizer } from '@lorafa/nn';
import { AdamW, SGD } from '@lorafa/nn';
import { injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import type { TrainingOptions } from '../../../packages/cli/src/training/trainer.js';

export interface MethodSetup {
  optimizer: Optimizer;
  /** The tensors the method trains. */
  trained: Variable[];
}

/**
 * Adapters and optimizer for a method, built exactly as the CLI's trainer builds them
 * (`prepare` in packages/cli/src/training/trainer.ts, which imports node:fs through its
 * checkpoints and so cannot load in a page): full fine-tuning trains every parameter with
 * AdamW or SGD; the LoRA methods inject adapters with the run's seed and train them with
 * LoraFAOptimizer. The playground test checks the losses equal the CLI's.
 */
export function setUpMethod(model: GPT2, o: TrainingOptions): MethodSetup {
  if (o.method === 'full') {
    for (const p of model.parameters()) p.requiresGrad = true;
    const named = [...model.namedParameters()];
    const options = { lr: o.lr, weightDecay: o.weightDecay };
    const optimizer = o.optimizer === 'sgd' ? new SGD(named, options) : new AdamW(named, options);
    return { optimizer, trained: named.map(([, p]) => p) };
  }
  const adapters = injectLora(model, {
    targets: o.targets,
    method: o.method,
    rank: o.rank,
    alpha: o.alpha,
    init: o.init,
    seed: o.seed,
  });
  const optimizer = new LoraFAOptimizer(adapters, [], {
    lr: o.lr,
    weightDecay: o.weightDecay,
    correction: o.correction,
    algorithm: o.optimizer,
  });
  return { optimizer, trained: adapters.flatMap((a) => [a.A, a.B]) };
}
