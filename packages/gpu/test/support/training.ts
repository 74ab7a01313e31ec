import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import type { Optimizer } from '@lorafa/nn';
import { Linear, Module, mseLoss } from '@lorafa/nn';
import type { LoraMethod } from '@lorafa/lorafa';
import { injectLora, LoraFAOptimizer } from '@lorafa/lorafa';

/** y = fc2(tanh(fc1(x))) in float32. */
class Mlp extends Module {
  fc1: Linear;
  fc2: Linear;
  constructor(rng: T.Rng) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(6, 16, { rng, dtype: 'float32' }));
    this.fc2 = this.registerModule('fc2', new Linear(16, 3, { rng, dtype: 'float32' }));
  }
  forward(x: Variable): Variable {
    return this.fc2.call(A.tanh(this.fc1.call(x)));
  }
}

/**
 * A few AdamW steps of an adapted MLP with every tensor created on `backend` (made the default
 * while the model is built), awaiting only each step's loss. Returns the losses and how many
 * device reads the backend counted per step, when it counts them.
 */
export async function trainAdaptedMlp(
  backend: string,
  options: {
    method: Exclude<LoraMethod, 'full'>;
    steps: number;
    seed?: number;
    reads?: () => number;
    prepare?: boolean;
  },
): Promise<{ losses: number[]; readsPerStep: number[] }> {
  const previous = T.setBackend(backend);
  try {
    const rng = new T.Rng(options.seed ?? 5);
    const model = new Mlp(rng);
    const adapters = injectLora(model, { targets: ['fc1', 'fc2'], method: options.method, rank: 2, alpha: 4, seed: 7 });
    const x = A.variable(T.randn([4, 5, 6], { rng, dtype: 'float32' }));
    const y = T.randn([4, 5, 3], { rng, dtype: 'float32' });
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.01 });
    if (options.prepare ?? true) await optimizer.prepare();
    return runSteps(optimizer, () => mseLoss(model.call(x), y), options);
  } finally {
    T.setBackend(previous.name);
  }
}

/**
 * `steps` optimizer steps of `lossOf`, awaiting only each step's loss; with `reads`, how many
 * device reads the backend counted during each step.
 */
export async function runSteps(
  optimizer: Optimizer,
  lossOf: () => Variable,
  options: { steps: number; reads?: () => number },
): Promise<{ losses: number[]; readsPerStep: number[] }> {
  const losses: number[] = [];
  const readsPerStep: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const before = options.reads?.() ?? 0;
    optimizer.zeroGrad();
    const loss = lossOf();
    loss.backward();
    optimizer.step();
    losses.push((await loss.data())[0]!);
    readsPerStep.push((options.reads?.() ?? 0) - before);
  }
  return { losses, readsPerStep };
}
