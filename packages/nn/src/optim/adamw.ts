import * as T from '@lorafa/tensor';
import { noGrad } from '@lorafa/autograd';
import type { NamedParameter, Optimizer, OptimizerState, ParameterList } from './optimizer.js';
import { nameParameters } from './optimizer.js';
import { momentsFromState, momentsToState } from './state.js';

export interface AdamWOptions {
  lr: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

/** First and second moments of one parameter. */
export interface Moments {
  m: T.Tensor;
  v: T.Tensor;
}

/** m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g² (zeros before the first step). */
export function updateMoments(previous: Moments | undefined, g: T.Tensor, beta1: number, beta2: number): Moments {
  const m0 = previous?.m ?? T.zerosLike(g);
  const v0 = previous?.v ?? T.zerosLike(g);
  return {
    m: T.add(T.mul(m0, beta1), T.mul(g, 1 - beta1)),
    v: T.add(T.mul(v0, beta2), T.mul(T.mul(g, g), 1 - beta2)),
  };
}

/**
 * AdamW with PyTorch's semantics (torch.optim.AdamW): decoupled weight decay first,
 * p ← p(1 − ηλ); then with t the step, m̂ = m/(1 − β₁ᵗ) and
 * p ← p − η m̂ / (√v / √(1 − β₂ᵗ) + ε). Defaults: betas (0.9, 0.999), ε 1e-8, λ 0.01.
 */
export class AdamW implements Optimizer {
  lr: number;
  protected readonly parameters: NamedParameter[];
  protected readonly moments = new Map<string, Moments>();
  protected steps = 0;

  constructor(parameters: ParameterList, protected readonly options: AdamWOptions) {
    this.parameters = nameParameters(parameters);
    this.lr = options.lr;
  }

  step(): void {
    const { betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0.01 } = this.options;
    const [beta1, beta2] = betas;
    this.steps++;
    const t = this.steps;
    noGrad(() => {
      for (const { name, parameter } of this.parameters) {
        const g = parameter.grad;
        if (!g) continue;
        let p = parameter.value;
        if (weightDecay !== 0) p = T.mul(p, 1 - this.lr * weightDecay);
        const moments = updateMoments(this.moments.get(name), g, beta1, beta2);
        this.moments.set(name, moments);
        const denominator = T.add(T.div(T.sqrt(moments.v), Math.sqrt(1 - beta2 ** t)), eps);
        parameter.assign(T.sub(p, T.mul(T.div(moments.m, denominator), this.lr / (1 - beta1 ** t))));
      }
    });
  }

  zeroGrad(): void {
    for (const { parameter } of this.parameters) parameter.zeroGrad();
  }

  stateDict(): OptimizerState {
    return momentsToState(this.moments, this.steps);
  }

  loadStateDict(state: OptimizerState): void {
    const moments = momentsFromState(this.parameters, state);
    this.steps = state.step;
    this.moments.clear();
    for (const [name, entry] of moments) this.moments.set(name, entry);
  }
}
