/**
 * Shared by the theorem tests: a tiny float64 MLP, its LoRA-adapted copy, and the full
 * fine-tuning twin whose weights are the adapted model's effective weights W0 + s B A, so that
 * the gradients dW the theorems speak of come from a real backward pass, not from a formula.
 */
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Linear, Module, mseLoss } from '@lorafa/nn';
import type { LoraAdapter, LoraLinear, LoraMethod } from '@lorafa/lorafa';
import { injectLora } from '@lorafa/lorafa';

export const f64 = (rng: T.Rng) => ({ dtype: 'float64' as const, rng });
export const frobenius = (t: T.Tensor) => Math.sqrt(T.sum(T.mul(t, t)).item());

/** y = fc2(tanh(fc1(x))), float64; any leading (batch, sequence) dimensions. */
export class Mlp extends Module {
  fc1: Module & { forward(x: Variable): Variable };
  fc2: Module & { forward(x: Variable): Variable };
  constructor(
    readonly sizes: readonly [number, number, number],
    seed: number,
  ) {
    super();
    const rng = new T.Rng(seed);
    this.fc1 = this.registerModule('fc1', new Linear(sizes[0], sizes[1], f64(rng)));
    this.fc2 = this.registerModule('fc2', new Linear(sizes[1], sizes[2], f64(rng)));
  }
  forward(x: Variable): Variable {
    return this.fc2.call(A.tanh(this.fc1.call(x)));
  }
}

export interface AdaptedProblem {
  model: Mlp;
  adapters: LoraAdapter[];
  x: Variable;
  y: T.Tensor;
  loss(): Variable;
}

/**
 * An MLP adapted on fc1 and fc2 by `method`, with the trained factor of each pair nonzero (so
 * the effective weight differs from W0), and a regression batch of shape [2, 3, in].
 */
export function adaptedProblem(
  method: Exclude<LoraMethod, 'full'>,
  seed: number,
  options: { sizes?: [number, number, number]; rank?: number; alpha?: number } = {},
): AdaptedProblem {
  const { sizes = [5, 7, 3], rank = 2, alpha = 4 } = options;
  const model = new Mlp(sizes, seed);
  const adapters = injectLora(model, { targets: ['fc1', 'fc2'], method, rank, alpha, seed });
  const rng = new T.Rng(seed + 1);
  for (const ad of adapters) {
    const trained = method === 'lora-fb' ? ad.A : ad.B;
    trained.assign(T.mul(T.randn(trained.shape, f64(rng)), 0.3));
  }
  const x = A.variable(T.randn([2, 3, sizes[0]], f64(rng)));
  const y = T.randn([2, 3, sizes[2]], f64(rng));
  return { model, adapters, x, y, loss: () => mseLoss(model.call(x), y) };
}

/** The adapted layer of `name` in an adapted model. */
export function adaptedLayer(model: Module, name: string): LoraLinear {
  return model.getModule(name) as LoraLinear;
}

/**
 * Full fine-tuning of the same model: a fresh MLP whose every weight is the adapted model's
 * effective weight W0 + s B A (and the same biases), all trainable; one backward pass on the
 * same loss gives each layer's full gradient dW.
 */
export function fullFineTuningGradients(problem: AdaptedProblem): Map<string, T.Tensor> {
  const twin = new Mlp(problem.model.sizes, 0);
  for (const name of ['fc1', 'fc2']) {
    const layer = adaptedLayer(problem.model, name);
    const linear = twin.getModule(name) as Linear;
    linear.weight.assign(T.add(layer.base.weight.value, layer.delta()));
    linear.bias!.assign(layer.base.bias!.value);
  }
  mseLoss(twin.call(problem.x), problem.y).backward();
  return new Map(['fc1', 'fc2'].map((name) => [name, (twin.getModule(name) as Linear).weight.grad!]));
}

/** The orthogonal projection onto A's row space, P = A⁺ A (via the SVD, independent of the Gram solve). */
export function rowSpaceProjector(a: T.Tensor): T.Tensor {
  return T.matmul(T.linalg.pinv(a), a);
}
