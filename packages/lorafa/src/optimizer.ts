import * as T from '@lorafa/tensor';
import { noGrad } from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import type { Moments, NamedParameter, Optimizer, OptimizerState, ParameterList } from '@lorafa/nn';
import { momentsFromState, momentsToState, nameParameters, updateMoments } from '@lorafa/nn';
import type { LoraAdapter } from './adapter.js';
import { correctA, correctB, GramSolver } from './corrections.js';

export interface LoraFAOptimizerOptions {
  lr: number;
  betas?: readonly [number, number];
  /** Default 1e-8, or 1e-6 with `peftCompatible`. */
  eps?: number;
  weightDecay?: number;
  /** Apply Theorem 4.1 / A.1 to the trained factor of LoRA-FA / LoRA-FB pairs (default true). */
  correction?: boolean;
  /**
   * Reproduce PEFT's `create_lorafa_optimizer` exactly: correction g (A Aᵀ + 1e-8 I)⁺ / s²,
   * AdamW with eps 1e-6 added to √v before bias correction (folded into the step size
   * lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)), and decoupled weight decay applied after the update.
   */
  peftCompatible?: boolean;
}

/** A trained tensor and, for a frozen-factor pair, how to correct its gradient. */
interface Entry extends NamedParameter {
  correct?: (gradient: T.Tensor) => T.Tensor;
}

/**
 * AdamW for adapted models: the trained factor of each LoRA-FA pair (B) and LoRA-FB pair (A)
 * steps along its corrected gradient; every other trainable parameter (LoRA's A and B, biases,
 * a classifier head) gets plain AdamW. The Gram solver of each frozen factor is built once and
 * rebuilt only if that factor's storage changes.
 */
export class LoraFAOptimizer implements Optimizer {
  lr: number;
  private readonly entries: Entry[];
  private readonly moments = new Map<string, Moments>();
  private readonly solvers = new WeakMap<T.Storage, GramSolver>();
  private steps = 0;

  constructor(adapters: readonly LoraAdapter[], otherParameters: ParameterList, private readonly options: LoraFAOptimizerOptions) {
    this.lr = options.lr;
    const correction = options.correction ?? true;
    const adapterEntries = adapters.flatMap((adapter): Entry[] => {
      const { name, A: a, B: b, scaling } = adapter;
      switch (adapter.method) {
        case 'lora':
          return [{ name: `${name}.lora_A`, parameter: a }, { name: `${name}.lora_B`, parameter: b }];
        case 'lora-fa':
          return [{ name: `${name}.lora_B`, parameter: b, correct: correction ? (g) => correctB(g, a.value, scaling, this.solverFor(a, 'rows', name)) : undefined }];
        case 'lora-fb':
          return [{ name: `${name}.lora_A`, parameter: a, correct: correction ? (g) => correctA(g, b.value, scaling, this.solverFor(b, 'columns', name)) : undefined }];
      }
    });
    const adapterParameters = new Set(adapters.flatMap((a) => [a.A, a.B]));
    const others = nameParameters(otherParameters).filter(({ parameter }) => !adapterParameters.has(parameter));
    this.entries = [...adapterEntries, ...others];
    nameParameters(this.entries.map((e) => [e.name, e.parameter] as const)); // rejects duplicate names
  }

  private solverFor(frozen: Variable, side: 'rows' | 'columns', name: string): GramSolver {
    const cached = this.solvers.get(frozen.value.storage);
    if (cached) return cached;
    const options = this.options.peftCompatible ? { name, pinvRidge: 1e-8 } : { name };
    const solver = side === 'rows' ? GramSolver.forRows(frozen.value, options) : GramSolver.forColumns(frozen.value, options);
    this.solvers.set(frozen.value.storage, solver);
    return solver;
  }

  /** The gradient the next step would use for a trained tensor (corrected where it applies). */
  effectiveGradient(entry: { parameter: Variable; correct?: (g: T.Tensor) => T.Tensor }): T.Tensor | null {
    const g = entry.parameter.grad;
    return g && entry.correct ? entry.correct(g) : g;
  }

  step(): void {
    const { betas = [0.9, 0.999], weightDecay = 0, peftCompatible = false } = this.options;
    const eps = this.options.eps ?? (peftCompatible ? 1e-6 : 1e-8);
    const [beta1, beta2] = betas;
    this.steps++;
    const t = this.steps;
    noGrad(() => {
      for (const entry of this.entries) {
        const g = this.effectiveGradient(entry);
        if (!g) continue;
        const moments = updateMoments(this.moments.get(entry.name), g, beta1, beta2);
        this.moments.set(entry.name, moments);
        const p = entry.parameter.value;
        if (peftCompatible) {
          // PEFT: p ← p − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε), then p ← p − lr·λ·p.
          const stepSize = (this.lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
          let updated = T.sub(p, T.mul(T.div(moments.m, T.add(T.sqrt(moments.v), eps)), stepSize));
          if (weightDecay !== 0) updated = T.sub(updated, T.mul(updated, this.lr * weightDecay));
          entry.parameter.assign(updated);
        } else {
          // torch.optim.AdamW: p ← p(1 − lr·λ), then p ← p − lr/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε).
          const decayed = weightDecay !== 0 ? T.mul(p, 1 - this.lr * weightDecay) : p;
          const denominator = T.add(T.div(T.sqrt(moments.v), Math.sqrt(1 - beta2 ** t)), eps);
          entry.parameter.assign(T.sub(decayed, T.mul(T.div(moments.m, denominator), this.lr / (1 - beta1 ** t))));
        }
      }
    });
  }

  zeroGrad(): void {
    for (const { parameter } of this.entries) parameter.zeroGrad();
  }

  /** Names of the tensors this optimizer trains, in update order. */
  get trainedNames(): string[] {
    return this.entries.map((e) => e.name);
  }

  stateDict(): OptimizerState {
    return momentsToState(this.moments, this.steps);
  }

  loadStateDict(state: OptimizerState): void {
    const moments = momentsFromState(this.entries, state);
    this.steps = state.step;
    this.moments.clear();
    for (const [name, entry] of moments) this.moments.set(name, entry);
  }
}
