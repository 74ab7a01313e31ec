import * as T from '@lorafa/tensor';
import type { Variable } from '@lorafa/autograd';
import type { GradientTransform, NamedParameter, Optimizer, OptimizerState, ParameterList } from '@lorafa/nn';
import { AdamW, nameParameters, SGD } from '@lorafa/nn';
import type { LoraAdapter } from './adapter.js';
import { correctA, correctB, GramSolver } from './corrections.js';

export interface LoraFAOptimizerOptions {
  lr: number;
  /** AdamW (default), or plain SGD p ← p − lr·g (with the correction where it applies). */
  algorithm?: 'adamw' | 'sgd';
  betas?: readonly [number, number];
  /** Default 1e-8, or 1e-6 with `peftCompatible` (nn's `adamWDefaults`). */
  eps?: number;
  /** Default 0.01 for AdamW as torch.optim.AdamW (0 with `peftCompatible`, as PEFT), 0 for SGD. */
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
  /** The frozen factor whose Gram matrix the correction inverts. */
  frozen?: Variable;
}

/**
 * AdamW (or SGD) for adapted models: the trained factor of each LoRA-FA pair (B) and LoRA-FB
 * pair (A) steps along its corrected gradient; every other trainable parameter (LoRA's A and
 * B, biases, a classifier head) gets the plain update. It is nn's AdamW or SGD with the
 * correction as their gradient transform, so the step, its state and its defaults are theirs.
 * The Gram solver of each frozen factor is built once and rebuilt only if that factor's storage
 * changes.
 */
export class LoraFAOptimizer implements Optimizer {
  private readonly entries: Entry[];
  private readonly inner: AdamW | SGD;
  private readonly solvers = new WeakMap<T.Storage, GramSolver>();

  constructor(
    adapters: readonly LoraAdapter[],
    otherParameters: ParameterList,
    private readonly options: LoraFAOptimizerOptions,
  ) {
    const adapterEntries = adapters.flatMap((adapter) => this.entriesOf(adapter));
    const adapterParameters = new Set(adapters.flatMap((a) => [a.A, a.B]));
    const others = nameParameters(otherParameters).filter(({ parameter }) => !adapterParameters.has(parameter));
    this.entries = [...adapterEntries, ...others];
    this.inner = this.innerOptimizer(options.correction ?? true);
  }

  /** What an adapter trains: A and B for LoRA; B, corrected, for LoRA-FA; A, corrected, for LoRA-FB. */
  private entriesOf(adapter: LoraAdapter): Entry[] {
    const { name, A: a, B: b, scaling } = adapter;
    const lora: Record<LoraAdapter['method'], () => Entry[]> = {
      lora: () => [
        { name: `${name}.lora_A`, parameter: a },
        { name: `${name}.lora_B`, parameter: b },
      ],
      'lora-fa': () => [
        {
          name: `${name}.lora_B`,
          parameter: b,
          frozen: a,
          correct: (g) => correctB(g, a.value, scaling, this.solverFor(a, 'rows', name)),
        },
      ],
      'lora-fb': () => [
        {
          name: `${name}.lora_A`,
          parameter: a,
          frozen: b,
          correct: (g) => correctA(g, b.value, scaling, this.solverFor(b, 'columns', name)),
        },
      ],
    };
    return lora[adapter.method]();
  }

  /** nn's AdamW or SGD over the entries, correcting the gradients of the pairs that have a correction. */
  private innerOptimizer(correction: boolean): AdamW | SGD {
    const corrections = new Map(this.entries.flatMap((e) => (e.correct ? [[e.parameter, e.correct] as const] : [])));
    const transformGradient: GradientTransform | undefined = correction
      ? (g, { parameter }) => corrections.get(parameter)?.(g) ?? g
      : undefined;
    const named = this.entries.map((e) => [e.name, e.parameter] as const);
    const { lr, weightDecay } = this.options;
    if (this.options.algorithm === 'sgd') return new SGD(named, { lr, weightDecay, transformGradient });
    const { betas, eps, peftCompatible } = this.options;
    return new AdamW(named, {
      lr,
      betas,
      eps,
      weightDecay,
      rule: peftCompatible ? 'peft' : 'torch',
      transformGradient,
    });
  }

  /** The Gram solver of a frozen factor, cached per storage (so kept out of the step's tidy). */
  private solverFor(frozen: Variable, side: 'rows' | 'columns', name: string): GramSolver {
    const cached = this.solvers.get(frozen.value.storage);
    if (cached) return cached;
    const options = this.options.peftCompatible ? { name, pinvRidge: 1e-8 } : { name };
    const solver = T.keep(() =>
      side === 'rows' ? GramSolver.forRows(frozen.value, options) : GramSolver.forColumns(frozen.value, options),
    );
    this.solvers.set(frozen.value.storage, solver);
    return solver;
  }

  /** The learning rate used by the next step (schedules set it before each step). */
  get lr(): number {
    return this.inner.lr;
  }
  set lr(value: number) {
    this.inner.lr = value;
  }

  step(): void {
    this.inner.step();
  }

  zeroGrad(): void {
    this.inner.zeroGrad();
  }

  /**
   * For each corrected pair: the cosine between the update this step would make with the
   * corrected gradient and the one it would make with the raw gradient (same optimizer state,
   * nothing changed), and the condition number of the frozen factor's Gram matrix.
   */
  correctionDiagnostics(): { name: string; cosine: number; condition: number }[] {
    const inner = this.inner;
    const direction = (name: string, g: T.Tensor): T.Tensor => (inner instanceof AdamW ? inner.direction(name, g) : g);
    return this.entries.flatMap((entry) => {
      const g = entry.parameter.grad;
      if (!g || !entry.correct || !entry.frozen) return [];
      const a = T.cast(direction(entry.name, entry.correct(g)), 'float64');
      const b = T.cast(direction(entry.name, g), 'float64');
      const dot = T.sum(T.mul(a, b)).item();
      const norms = Math.sqrt(T.sum(T.mul(a, a)).item() * T.sum(T.mul(b, b)).item());
      const singular = T.linalg.svd(entry.frozen.value).s.dataSync();
      const condition = (singular[0]! / singular[singular.length - 1]!) ** 2;
      return [{ name: entry.name, cosine: norms > 0 ? dot / norms : 1, condition }];
    });
  }

  /** Names of the tensors this optimizer trains, in update order. */
  get trainedNames(): string[] {
    return this.entries.map((e) => e.name);
  }

  stateDict(): OptimizerState {
    return this.inner.stateDict();
  }

  loadStateDict(state: OptimizerState): void {
    this.inner.loadStateDict(state);
  }
}
