import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { causalLmLoss } from '@lorafa/nn';
import { loadGpt2 as loadGpt2Folder } from '@lorafa/nn/node';
import type { GPT2, Linear } from '@lorafa/nn';
import type { LoraAdapter, LoraMethod } from '@lorafa/lorafa';
import type { LoraLinear } from '@lorafa/lorafa';
import { readingInput, UsageError } from '../cli-error.js';
import type { Fixture } from './fixture.js';
import { numberOf, requireTensors, tensorOf } from './fixture.js';
import { CheckList } from './checks.js';
import { adaptLikeFixture, replayLoraFaSteps } from './lora-fa-steps.js';

function adaptedModules(fixture: Fixture): string[] {
  const modules = fixture.manifest['modules'];
  if (!Array.isArray(modules) || modules.length === 0 || !modules.every((m) => typeof m === 'string')) {
    throw new UsageError(`replay: ${fixture.path}: the manifest needs "modules", the adapted module paths`);
  }
  return modules as string[];
}

function modelDir(fixture: Fixture): string {
  const dir = join(dirname(fixture.path), 'gpt2-model');
  if (!existsSync(join(dir, 'config.json')))
    throw new UsageError(
      `replay: ${fixture.path}: the GPT-2 model folder ${dir} (config.json, model.safetensors) is missing`,
    );
  return dir;
}

function requiredKeys(modules: readonly string[], steps: number): string[] {
  const keys = ['input_ids', 'base.logits', 'base.loss', 'init.logits', 'init.loss', 'final.logits', 'final.loss'];
  for (const m of modules) {
    keys.push(...['lora_A', 'lora_B', 'base_grad', 'lora_A_grad', 'lora_B_grad'].map((p) => `init.${m}.${p}`));
    for (let k = 1; k <= steps; k++) keys.push(`step${k}.${m}.lora_B_grad`, `step${k}.${m}.lora_B`);
  }
  for (let k = 1; k <= steps; k++) keys.push(`step${k}.loss`);
  return keys;
}

function adapt(model: GPT2, fixture: Fixture, modules: readonly string[], method: LoraMethod): LoraAdapter[] {
  return adaptLikeFixture(
    model,
    fixture,
    modules.map((m) => new RegExp(`^${m.replace(/\./g, '\\.')}$`)),
    method,
  );
}

/**
 * Replays a `gpt2-lorafa` fixture against the model in `gpt2-model/` beside it: base and
 * adapted logits and loss, dL/dW0 (compared in HF's Conv1D layout, in x out), the LoRA
 * gradients, every LoRA-FA step (loss, raw B gradient, B) and the final logits and loss.
 */
export async function replayGpt2(fixture: Fixture): Promise<CheckList> {
  const modules = adaptedModules(fixture);
  const steps = numberOf(fixture, 'steps', { integer: true, min: 0 });
  requireTensors(fixture, requiredKeys(modules, steps));
  const dir = modelDir(fixture);
  const loadGpt2 = (folder: string) => readingInput(() => loadGpt2Folder(folder));
  const ids = tensorOf(fixture, 'input_ids');
  const checks = new CheckList();
  const lossOf = (model: GPT2): { logits: Variable; loss: Variable } => {
    const logits = model.call(ids);
    return { logits, loss: causalLmLoss(logits, ids) };
  };

  const base = A.noGrad(() => lossOf(loadGpt2(dir)));
  checks.compare('base.logits', base.logits.value, tensorOf(fixture, 'base.logits'));
  checks.compare('base.loss', base.loss.value.reshape([1]), tensorOf(fixture, 'base.loss'));

  const lora = loadGpt2(dir);
  const loraAdapters = adapt(lora, fixture, modules, 'lora');
  const baseWeights = modules.map((m) => ((lora.getModule(m) as LoraLinear).base as Linear).weight);
  for (const w of baseWeights) w.requiresGrad = true;
  const initial = lossOf(lora);
  checks.compare('init.logits', initial.logits.value, tensorOf(fixture, 'init.logits'));
  checks.compare('init.loss', initial.loss.value.reshape([1]), tensorOf(fixture, 'init.loss'));
  initial.loss.backward();
  modules.forEach((m, i) => {
    checks.compare(
      `init.${m}.base_grad`,
      baseWeights[i]!.grad!.transpose().contiguous(),
      tensorOf(fixture, `init.${m}.base_grad`),
    );
    checks.compare(`init.${m}.lora_A_grad`, loraAdapters[i]!.A.grad!, tensorOf(fixture, `init.${m}.lora_A_grad`));
    checks.compare(`init.${m}.lora_B_grad`, loraAdapters[i]!.B.grad!, tensorOf(fixture, `init.${m}.lora_B_grad`));
  });

  const model = loadGpt2(dir);
  const adapters = adapt(model, fixture, modules, 'lora-fa');
  await replayLoraFaSteps(fixture, adapters, () => lossOf(model).loss, checks);
  const final = A.noGrad(() => lossOf(model));
  checks.compare('final.logits', final.logits.value, tensorOf(fixture, 'final.logits'));
  checks.compare('final.loss', final.loss.value.reshape([1]), tensorOf(fixture, 'final.loss'));
  return checks;
}
