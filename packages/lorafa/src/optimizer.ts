import * as T from '@lorafa/tensor';
import type { Variable } from '@lorafa/autograd';
import type { GradientTransform, NamedParameter, Optimizer, OptimizerState, ParameterList } from '@lorafa/nn';
import { AdamW, nameParameters, SGD } from '@lorafa/nn';
import type { LoraAdapter } from './adapter.js';
import { correctA, correctB, GramSolver } from './corrections.js';

/** Options of LoraFAOptimizer. */
export interface LoraFAOptimizerOptions {
  /** The learning rate. */
  lr: number;
  /** AdamW (default), or plain SGD p ← p − lr·g (with the correction where it applies). */
  algorithm?: 'adamw' | 'sgd';
  /** AdamW's β₁ and β₂ (default 0.9, 0.999). */
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
  /** The pair, for `prepare` (device backends). */
  adapter?: LoraAdapter;
  /**
   * Set by `prepare` on a device backend: the correction as it runs there, with the inverse Gram
   * matrix computed once on the host and uploaded (identity for LoRA-FA, whose layer then
   * returns the corrected gradient itself).
   */
  deviceCorrect?: (gradient: T.Tensor) => T.Tensor;
}

/** A backend without synchronous reads keeps its data off the host (the gpu backend). */
const onDevice = (t: T.Tensor): boolean => t.backend.readSync === undefined;

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
          adapter,
          correct: (g) => correctB(g, a.value, scaling, this.solverFor(a, 'rows', name)),
        },
      ],
      'lora-fb': () => [
        {
          name: `${name}.lora_A`,
          parameter: a,
          frozen: b,
          adapter,
          correct: (g) => correctA(g, b.value, scaling, this.solverFor(b, 'columns', name)),
        },
      ],
    };
    return lora[adapter.method]();
  }

  /** nn's AdamW or SGD over the entries, correcting the gradients of the pairs that have a correction. */
  private innerOptimizer(correction: boolean): AdamW | SGD {
    const corrected = new Map(this.entries.flatMap((e) => (e.correct ? [[e.parameter, e] as const] : [])));
    const transformGradient: GradientTransform | undefined = correction
      ? (g, { parameter }) => {
          const entry = corrected.get(parameter);
          if (!entry) return g;
          if (!onDevice(g)) return entry.correct!(g);
          if (!entry.deviceCorrect) {
            throw new Error(
              `LoraFAOptimizer: ${entry.name} lives on backend '${g.backend.name}', which keeps its data on the device; call \`await optimizer.prepare()\` once before the first step (it computes each frozen factor's inverse Gram matrix on the host)`,
            );
          }
          return entry.deviceCorrect(g);
        }
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

  /**
   * Readies the corrections for a device backend (the gpu backend keeps tensors off the host, so
   * the r x r float64 linear algebra cannot run inside a step there). For each corrected pair
   * whose tensors live on such a backend, it reads the frozen factor once, builds its Gram
   * solver on the host, and uploads M = (A Aᵀ)⁻¹ (or (Bᵀ B)⁻¹) in the trained factor's dtype:
   * - LoRA-FA: M goes to the adapter (`adapter.inverseGram`), so the layer's backward returns
   *   B's corrected gradient Gᵀ (H M) / s itself (fused on the gpu) and the step uses it as is;
   * - LoRA-FB: the step computes M g_A / s² on the device.
   * The frozen factors are frozen, so once is enough. On host backends it does nothing.
   */
  async prepare(): Promise<void> {
    if (!(this.options.correction ?? true)) return;
    for (const entry of this.entries) {
      const { adapter, frozen } = entry;
      if (!adapter || !frozen || !onDevice(frozen.value)) continue;
      const host = T.fromFlat(await frozen.value.data(), frozen.value.shape, {
        dtype: frozen.value.dtype,
        backend: 'cpu',
      });
      const options = this.options.peftCompatible ? { name: adapter.name, pinvRidge: 1e-8 } : { name: adapter.name };
      const solver =
        adapter.method === 'lora-fa' ? GramSolver.forRows(host, options) : GramSolver.forColumns(host, options);
      const trained = entry.parameter.value;
      const inverse = solver.inverseMatrix();
      const m = T.keep(() =>
        T.fromFlat(Array.from(inverse.dataSync()), inverse.shape, {
          dtype: trained.dtype,
          backend: trained.backend.name,
        }),
      );
      const s2 = adapter.scaling * adapter.scaling;
      if (adapter.method === 'lora-fa') {
        adapter.inverseGram = m;
        entry.deviceCorrect = (g) => g; // already corrected by the layer's backward
      } else {
        entry.deviceCorrect = (g) => T.div(T.matmul(m, g), s2);
      }
    }
  }

  /** The learning rate used by the next step (schedules set it before each step). */
  get lr(): number {
    return this.inner.lr;
  }
  set lr(value: number) {
    this.inner.lr = value;
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    this.inner.step();
  }

  /** Clears every parameter's gradient. */
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

  /** The moments and step count as named tensors, for a checkpoint. */
  stateDict(): OptimizerState {
    return this.inner.stateDict();
  }

  /** Restores state saved by `stateDict`, checking names and shapes. */
  loadStateDict(state: OptimizerState): void {
    this.inner.loadStateDict(state);
  }
}
