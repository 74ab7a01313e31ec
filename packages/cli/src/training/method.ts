import type * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import type { GPT2, Optimizer } from '@lorafa/nn';
import { AdamW, causalLmLoss, Linear, SGD } from '@lorafa/nn';
import type { LoraAdapter } from '@lorafa/lorafa';
import { injectLora, LoraFAOptimizer, matchesTarget } from '@lorafa/lorafa';
import { UsageError } from '../cli-error.js';
import type { TrainingOptions } from './options.js';

// The browser-safe part of the trainer (no file system): the CLI's trainer and the playground's
// worker build a run's adapters and optimizer, and measure held-out loss, with these.

/** The options `prepare` reads. */
export type MethodOptions = Pick<
  TrainingOptions,
  'method' | 'correction' | 'rank' | 'alpha' | 'lr' | 'optimizer' | 'weightDecay' | 'targets' | 'init' | 'seed'
>;

/**
 * Adapters (none for `full`) and the optimizer for a method. `extra` are parameters every method
 * trains besides (a classification head, say), with the plain update; `trained` lists them last.
 */
export function prepare(
  model: GPT2,
  o: MethodOptions,
  extra: readonly [string, Variable][] = [],
): {
  adapters: LoraAdapter[];
  optimizer: Optimizer & Partial<Pick<LoraFAOptimizer, 'correctionDiagnostics'>>;
  trained: [string, Variable][];
} {
  checkRank(model, o);
  if (o.method === 'full') {
    for (const p of model.parameters()) p.requiresGrad = true;
    const named = [...model.namedParameters(), ...extra];
    const optimizer =
      o.optimizer === 'sgd'
        ? new SGD(named, { lr: o.lr, weightDecay: o.weightDecay })
        : new AdamW(named, { lr: o.lr, weightDecay: o.weightDecay });
    return { adapters: [], optimizer, trained: named };
  }
  const adapters = injectLora(model, {
    targets: o.targets,
    method: o.method,
    rank: o.rank,
    alpha: o.alpha,
    init: o.init,
    seed: o.seed,
  });
  const optimizer = new LoraFAOptimizer(adapters, [...extra], {
    lr: o.lr,
    weightDecay: o.weightDecay,
    correction: o.correction,
    algorithm: o.optimizer,
  });
  const trained = adapters.flatMap(
    (a) =>
      [
        [`${a.name}.lora_A`, a.A],
        [`${a.name}.lora_B`, a.B],
      ] as [string, Variable][],
  );
  return { adapters, optimizer, trained: [...trained, ...extra] };
}

/** A rank above an adapted layer's smaller dimension adds nothing but cost; refuse it up front. */
function checkRank(model: GPT2, o: MethodOptions): void {
  const linears = [...model.namedModules()].filter(([, m]) => m instanceof Linear) as [string, Linear][];
  const adapted = linears.filter(([path]) => o.targets.some((t) => matchesTarget(path, t)));
  if (adapted.length === 0)
    throw new UsageError(
      `--targets ${o.targets.join(',')} matches no linear layer (the model has ${linears.map(([p]) => p).join(', ')})`,
    );
  if (o.method === 'full') return;
  const [path, layer] = adapted.reduce((a, b) =>
    Math.min(b[1].inFeatures, b[1].outFeatures) < Math.min(a[1].inFeatures, a[1].outFeatures) ? b : a,
  );
  const limit = Math.min(layer.inFeatures, layer.outFeatures);
  if (o.rank > limit)
    throw new UsageError(
      `--rank ${o.rank} exceeds ${limit}, the smaller dimension of ${path} (${layer.inFeatures} x ${layer.outFeatures}); a rank above it adds nothing`,
    );
}

/** The mean held-out loss; each batch's loss is read with `await` (a device backend's only readback). */
export async function meanLoss(model: GPT2, batches: readonly T.Tensor[]): Promise<number> {
  let sum = 0;
  for (const ids of batches) sum += (await A.noGrad(() => causalLmLoss(model.call(ids), ids)).data())[0]!;
  return sum / batches.length;
}
