import * as T from '@lorafa/tensor';
import { noGrad } from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import type { Moments, NamedParameter, Optimizer, OptimizerState, ParameterList } from '@lorafa/nn';
import { adamWUpdate, momentsFromState, momentsToState, nameParameters, updateMoments } from '@lorafa/nn';
import type { LoraAdapter } from './adapter.js';
import { correctA, correctB, GramSolver } from './corrections.js';

export interface LoraFAOptimizerOptions {
  lr: number;
  /** AdamW (default), or plain SGD p ← p − lr·g (with the correction where it applies). */
  algorithm?: 'adamw' | 'sgd';
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
  /** Theorem 4.1 / A.1 for this tensor's pair (kept for diagnostics even when not applied). */
  correct?: (gradient: T.Tensor) => T.Tensor;
  applyCorrection?: boolean;
  /** The frozen factor whose Gram matrix the correction inverts. */
  frozen?: Variable;
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

  constructor(
    adapters: readonly LoraAdapter[],
    otherParameters: ParameterList,
    private readonly options: LoraFAOptimizerOptions,
  ) {
    this.lr = options.lr;
    const correction = options.correction ?? true;
    const adapterEntries = adapters.flatMap((adapter): Entry[] => {
      const { name, A: a, B: b, scaling } = adapter;
      switch (adapter.method) {
        case 'lora':
          return [
            { name: `${name}.lora_A`, parameter: a },
            { name: `${name}.lora_B`, parameter: b },
          ];
        case 'lora-fa':
          return [
            {
              name: `${name}.lora_B`,
              parameter: b,
              frozen: a,
              applyCorrection: correction,
              correct: (g) => correctB(g, a.value, scaling, this.solverFor(a, 'rows', name)),
            },
          ];
        case 'lora-fb':
          return [
            {
              name: `${name}.lora_A`,
              parameter: a,
              frozen: b,
              applyCorrection: correction,
              correct: (g) => correctA(g, b.value, scaling, this.solverFor(b, 'columns', name)),
            },
          ];
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
    const solver =
      side === 'rows' ? GramSolver.forRows(frozen.value, options) : GramSolver.forColumns(frozen.value, options);
    this.solvers.set(frozen.value.storage, solver);
    return solver;
  }

  /** The gradient the next step would use for a trained tensor (corrected where it applies). */
  private effectiveGradient(entry: Entry): T.Tensor | null {
    const g = entry.parameter.grad;
    return g && entry.correct && entry.applyCorrection ? entry.correct(g) : g;
  }

  step(): void {
    const { betas = [0.9, 0.999], weightDecay = 0, peftCompatible = false } = this.options;
    const eps = this.options.eps ?? (peftCompatible ? 1e-6 : 1e-8);
    const [beta1, beta2] = betas;
    this.steps++;
    const t = this.steps;
    noGrad(() => {
      for (const entry of this.entries) {
        const g = this.effectiveGradient(entry); // outside tidy: the correction caches its Gram factor
        if (!g) continue;
        // The update's temporaries are private: release them for reuse, keeping the new moments and value.
        const { moments, value } = T.tidy(
          () => this.update(entry, g, t, { beta1, beta2, eps, weightDecay, peftCompatible }),
          (u) => (u.moments ? [u.moments.m, u.moments.v, u.value] : [u.value]),
        );
        if (moments) this.moments.set(entry.name, moments);
        entry.parameter.assign(value);
      }
    });
  }

  /** The parameter's next value (and, for AdamW, its next moments) at step t. */
  private update(
    entry: Entry,
    g: T.Tensor,
    t: number,
    o: { beta1: number; beta2: number; eps: number; weightDecay: number; peftCompatible: boolean },
  ): { moments?: Moments; value: T.Tensor } {
    const p = entry.parameter.value;
    if (this.options.algorithm === 'sgd') {
      const decayed = o.weightDecay !== 0 ? T.mul(p, 1 - this.lr * o.weightDecay) : p;
      return { value: T.sub(decayed, T.mul(g, this.lr)) };
    }
    const moments = updateMoments(this.moments.get(entry.name), g, o.beta1, o.beta2);
    if (o.peftCompatible) {
      // PEFT: p ← p − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε), then p ← p − lr·λ·p.
      const stepSize = (this.lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
      let updated = T.sub(p, T.mul(T.div(moments.m, T.add(T.sqrt(moments.v), o.eps)), stepSize));
      if (o.weightDecay !== 0) updated = T.sub(updated, T.mul(updated, this.lr * o.weightDecay));
      return { moments, value: updated };
    }
    return {
      moments,
      value: adamWUpdate(p, moments, t, {
        lr: this.lr,
        beta1: o.beta1,
        beta2: o.beta2,
        eps: o.eps,
        weightDecay: o.weightDecay,
      }),
    }; // torch.optim.AdamW
  }

  zeroGrad(): void {
    for (const { parameter } of this.entries) parameter.zeroGrad();
  }

  /**
   * For each corrected pair: the cosine between the update this step would make with the
   * corrected gradient and the one it would make with the raw gradient (same optimizer state,
   * nothing changed), and the condition number of the frozen factor's Gram matrix.
   */
  correctionDiagnostics(): { name: string; cosine: number; condition: number }[] {
    const { betas = [0.9, 0.999], peftCompatible = false } = this.options;
    const eps = this.options.eps ?? (peftCompatible ? 1e-6 : 1e-8);
    const direction = (name: string, g: T.Tensor): T.Tensor => {
      if (this.options.algorithm === 'sgd') return g;
      const { m, v } = updateMoments(this.moments.get(name), g, betas[0], betas[1]);
      return T.div(m, T.add(T.sqrt(v), eps));
    };
    return this.entries.flatMap((entry) => {
      const g = entry.parameter.grad;
      if (!g || !entry.correct || !entry.frozen) return [];
      const a = T.cast(direction(entry.name, entry.correct(g)), 'float64');
      const b = T.cast(direction(entry.name, g), 'float64');
      const dot = T.sum(T.mul(a, b)).item();
      const norms = Math.sqrt(T.sum(T.mul(a, a)).item() * T.sum(T.mul(b, b)).item());
      const frozen = entry.frozen.value;
      const singular = T.linalg.svd(frozen).s.dataSync();
      const condition = (singular[0]! / singular[singular.length - 1]!) ** 2;
      return [{ name: entry.name, cosine: norms > 0 ? dot / norms : 1, condition }];
    });
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
