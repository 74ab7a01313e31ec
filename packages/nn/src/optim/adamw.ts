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
 * One torch.optim.AdamW update of `p` given its already-updated moments at step t:
 * p ← p(1 − ηλ), then p ← p − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
 */
export function adamWUpdate(
  p: T.Tensor,
  moments: Moments,
  t: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
): T.Tensor {
  const decayed = o.weightDecay !== 0 ? T.mul(p, 1 - o.lr * o.weightDecay) : p;
  const denominator = T.add(T.div(T.sqrt(moments.v), Math.sqrt(1 - o.beta2 ** t)), o.eps);
  return T.sub(decayed, T.mul(T.div(moments.m, denominator), o.lr / (1 - o.beta1 ** t)));
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

  constructor(
    parameters: ParameterList,
    protected readonly options: AdamWOptions,
  ) {
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
        // The update's temporaries are private: release them for reuse, keeping the new moments and value.
        const [moments, value] = T.tidy(
          () => {
            const updated = updateMoments(this.moments.get(name), g, beta1, beta2);
            return [
              updated,
              adamWUpdate(parameter.value, updated, t, { lr: this.lr, beta1, beta2, eps, weightDecay }),
            ] as const;
          },
          ([updated, value]) => [updated.m, updated.v, value],
        );
        this.moments.set(name, moments);
        parameter.assign(value);
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
