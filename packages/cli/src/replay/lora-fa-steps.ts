import type { Module } from '@lorafa/nn';
import type { Variable } from '@lorafa/autograd';
import type { LoraAdapter, LoraMethod } from '@lorafa/lorafa';
import * as T from '@lorafa/tensor';
import { correctB, GramSolver, injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import type { CheckList } from './checks.js';
import type { Fixture } from './fixture.js';
import { numberOf, tensorOf } from './fixture.js';

/** Injects adapters on `targets` and sets A and B to the fixture's initial `init.<module>.lora_*`. */
export function adaptLikeFixture(
  model: Module,
  fixture: Fixture,
  targets: (string | RegExp)[],
  method: LoraMethod,
): LoraAdapter[] {
  const adapters = injectLora(model, {
    targets,
    method,
    rank: numberOf(fixture, 'r', { integer: true, min: 1 }),
    alpha: numberOf(fixture, 'alpha', { min: Number.MIN_VALUE }),
  });
  for (const adapter of adapters) {
    adapter.A.assign(tensorOf(fixture, `init.${adapter.name}.lora_A`));
    adapter.B.assign(tensorOf(fixture, `init.${adapter.name}.lora_B`));
  }
  return adapters;
}

/**
 * Replays the fixture's LoRA-FA optimizer steps with PEFT's semantics, comparing each step's
 * loss, B gradients and updated B matrices. On a device backend (the gpu backend) the optimizer
 * is prepared first, and the layer's backward then yields B's corrected gradient directly
 * (fused); it is compared with PEFT's correction of the fixture's raw gradient,
 * g_B (A Aᵀ + 1e-8 I)⁺ / s², computed on the host — the check is named "(corrected)".
 */
export async function replayLoraFaSteps(
  fixture: Fixture,
  adapters: readonly LoraAdapter[],
  lossOf: () => Variable,
  checks: CheckList,
): Promise<void> {
  const optimizer = new LoraFAOptimizer(adapters, [], {
    lr: numberOf(fixture, 'lr', { min: 0 }),
    weightDecay: numberOf(fixture, 'weight_decay', { min: 0 }),
    peftCompatible: true,
  });
  await optimizer.prepare();
  const steps = numberOf(fixture, 'steps', { integer: true, min: 0 });
  for (let k = 1; k <= steps; k++) {
    optimizer.zeroGrad();
    const loss = lossOf();
    checks.compare(`step${k}.loss`, loss.value.reshape([1]), tensorOf(fixture, `step${k}.loss`));
    loss.backward();
    for (const a of adapters) {
      const raw = tensorOf(fixture, `step${k}.${a.name}.lora_B_grad`);
      if (a.inverseGram) {
        checks.compare(`step${k}.${a.name}.lora_B_grad (corrected)`, a.B.grad!, await pefCorrected(raw, a));
      } else {
        checks.compare(`step${k}.${a.name}.lora_B_grad`, a.B.grad!, raw);
      }
    }
    optimizer.step();
    for (const a of adapters)
      checks.compare(`step${k}.${a.name}.lora_B`, a.B.value, tensorOf(fixture, `step${k}.${a.name}.lora_B`));
  }
}

/** PEFT's corrected gradient of the fixture's raw one, on the host: g (A Aᵀ + 1e-8 I)⁺ / s². */
async function pefCorrected(raw: T.Tensor, adapter: LoraAdapter): Promise<T.Tensor> {
  const onHost = async (t: T.Tensor) => T.fromFlat(await t.data(), t.shape, { dtype: 'float64', backend: 'cpu' });
  const a = await onHost(adapter.A.value);
  return correctB(await onHost(raw), a, adapter.scaling, GramSolver.forRows(a, { pinvRidge: 1e-8 }));
}
