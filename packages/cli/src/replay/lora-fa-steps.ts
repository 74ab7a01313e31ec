import type { Module } from '@lorafa/nn';
import type { Variable } from '@lorafa/autograd';
import type { LoraAdapter, LoraMethod } from '@lorafa/lorafa';
import { injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
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
 * loss, raw B gradients and updated B matrices.
 */
export function replayLoraFaSteps(
  fixture: Fixture,
  adapters: readonly LoraAdapter[],
  lossOf: () => Variable,
  checks: CheckList,
): void {
  const optimizer = new LoraFAOptimizer(adapters, [], {
    lr: numberOf(fixture, 'lr', { min: 0 }),
    weightDecay: numberOf(fixture, 'weight_decay', { min: 0 }),
    peftCompatible: true,
  });
  const steps = numberOf(fixture, 'steps', { integer: true, min: 0 });
  for (let k = 1; k <= steps; k++) {
    optimizer.zeroGrad();
    const loss = lossOf();
    checks.compare(`step${k}.loss`, loss.value.reshape([1]), tensorOf(fixture, `step${k}.loss`));
    loss.backward();
    for (const a of adapters)
      checks.compare(`step${k}.${a.name}.lora_B_grad`, a.B.grad!, tensorOf(fixture, `step${k}.${a.name}.lora_B_grad`));
    optimizer.step();
    for (const a of adapters)
      checks.compare(`step${k}.${a.name}.lora_B`, a.B.value, tensorOf(fixture, `step${k}.${a.name}.lora_B`));
  }
}
