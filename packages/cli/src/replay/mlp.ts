import type * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Linear, Module, mseLoss } from '@lorafa/nn';
import type { LoraAdapter, LoraMethod } from '@lorafa/lorafa';
import type { Fixture } from './fixture.js';
import { numberOf, requireTensors, tensorOf } from './fixture.js';
import { CheckList } from './checks.js';
import { adaptLikeFixture, replayLoraFaSteps } from './lora-fa-steps.js';

const MODULES = ['fc1', 'fc2'] as const;

/** y = fc2(tanh(fc1(x))), the fixture's model. */
class Mlp extends Module {
  fc1: Module & { forward(x: Variable): Variable };
  fc2: Module & { forward(x: Variable): Variable };
  constructor(dIn: number, dHidden: number, dOut: number) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(dIn, dHidden));
    this.fc2 = this.registerModule('fc2', new Linear(dHidden, dOut));
  }
  forward(x: Variable): Variable {
    return this.fc2.call(A.tanh(this.fc1.call(x)));
  }
}

function requiredKeys(steps: number): string[] {
  const keys = ['x', 'y', 'init.loss', 'final.output'];
  for (const m of MODULES) {
    keys.push(...['weight', 'bias'].map((p) => `base.${m}.${p}`));
    keys.push(...['lora_A', 'lora_B', 'base_grad', 'lora_A_grad', 'lora_B_grad'].map((p) => `init.${m}.${p}`));
    for (let k = 1; k <= steps; k++) keys.push(`step${k}.${m}.lora_B_grad`, `step${k}.${m}.lora_B`);
  }
  for (let k = 1; k <= steps; k++) keys.push(`step${k}.loss`);
  return keys;
}

/** The base model with adapters of `method` whose A and B are the fixture's initial ones. */
function buildModel(fixture: Fixture, method: LoraMethod): { model: Mlp; adapters: LoraAdapter[] } {
  const dIn = numberOf(fixture, 'd_in', { integer: true, min: 1 });
  const dHidden = numberOf(fixture, 'd_h', { integer: true, min: 1 });
  const dOut = numberOf(fixture, 'd_out', { integer: true, min: 1 });
  const model = new Mlp(dIn, dHidden, dOut);
  const state: Record<string, T.Tensor> = {};
  for (const m of MODULES) {
    state[`${m}.weight`] = tensorOf(fixture, `base.${m}.weight`);
    state[`${m}.bias`] = tensorOf(fixture, `base.${m}.bias`);
  }
  model.loadStateDict(state);
  return { model, adapters: adaptLikeFixture(model, fixture, [...MODULES], method) };
}

/**
 * Replays an `mlp-lorafa` fixture: the initial loss, the full fine-tuning and LoRA gradients
 * at the initial point, then every step of PEFT's LoRA-FA optimizer (loss, raw gradient of B,
 * B after the update) and the final output.
 */
export async function replayMlp(fixture: Fixture): Promise<CheckList> {
  const steps = numberOf(fixture, 'steps', { integer: true, min: 0 });
  requireTensors(fixture, requiredKeys(steps));
  const checks = new CheckList();
  const x = new A.Variable(tensorOf(fixture, 'x'));
  const y = tensorOf(fixture, 'y');

  // The initial point under standard LoRA, with the base weights made trainable for dL/dW0.
  const lora = buildModel(fixture, 'lora');
  const baseWeights = MODULES.map((m) => (lora.model.getModule(m) as Module & { base: Linear }).base.weight);
  for (const w of baseWeights) w.requiresGrad = true;
  const initialLoss = mseLoss(lora.model.call(x), y);
  checks.compare('init.loss', initialLoss.value.reshape([1]), tensorOf(fixture, 'init.loss'));
  initialLoss.backward();
  MODULES.forEach((m, i) => {
    const adapter = lora.adapters[i]!;
    checks.compare(`init.${m}.base_grad`, baseWeights[i]!.grad!, tensorOf(fixture, `init.${m}.base_grad`));
    checks.compare(`init.${m}.lora_A_grad`, adapter.A.grad!, tensorOf(fixture, `init.${m}.lora_A_grad`));
    checks.compare(`init.${m}.lora_B_grad`, adapter.B.grad!, tensorOf(fixture, `init.${m}.lora_B_grad`));
  });

  // LoRA-FA training with PEFT's optimizer semantics.
  const fa = buildModel(fixture, 'lora-fa');
  await replayLoraFaSteps(fixture, fa.adapters, () => mseLoss(fa.model.call(x), y), checks);
  const output = A.noGrad(() => fa.model.call(x));
  checks.compare('final.output', output.value, tensorOf(fixture, 'final.output'));
  return checks;
}
