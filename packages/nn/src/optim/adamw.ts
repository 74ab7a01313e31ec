import * as T from '@lorafa/tensor';
import { noGrad } from '@lorafa/autograd';
import type { GradientTransform, NamedParameter, Optimizer, OptimizerState, ParameterList } from './optimizer.js';
import { nameParameters } from './optimizer.js';
import { momentsFromState, momentsToState } from './state.js';

/**
 * How the step is formed from the moments.
 * - `torch`: torch.optim.AdamW. p ← p(1 − ηλ), then p ← p − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
 * - `peft`: PEFT's `create_lorafa_optimizer` (the Adam paper's "efficient" form):
 *   p ← p − η√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε), then p ← p − ηλp (decay after the update).
 */
export type AdamWRule = 'torch' | 'peft';

/** Every default of AdamW in lorafa-ts, per rule: torch.optim.AdamW's, and PEFT's LoRA-FA optimizer's. */
export const adamWDefaults: Readonly<
  Record<AdamWRule, { readonly betas: readonly [number, number]; readonly eps: number; readonly weightDecay: number }>
> = {
  torch: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 },
  peft: { betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0 },
};

/** Options of AdamW; those not given take `adamWDefaults[rule]`. */
export interface AdamWOptions {
  /** The learning rate η. */
  lr: number;
  /** β₁ and β₂, the decay rates of the first and second moments. */
  betas?: readonly [number, number];
  /** ε, added to √v so the step stays finite. */
  eps?: number;
  /** λ, the decoupled weight decay. */
  weightDecay?: number;
  /** The update rule (default `torch`); its defaults fill the options not given. */
  rule?: AdamWRule;
  /**
   * Maps each parameter's gradient before the moments see it (LoRA-FA's corrected gradient).
   * It runs inside the step's `tidy`, so its temporaries are released; a cache it fills for
   * later steps must be allocated in `T.keep`.
   */
  transformGradient?: GradientTransform;
}

/** First and second moments of one parameter. */
export interface Moments {
  /** The running mean of the gradient. */
  m: T.Tensor;
  /** The running mean of the squared gradient. */
  v: T.Tensor;
}

/** m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g² (zeros before the first step). */
function updateMoments(previous: Moments | undefined, g: T.Tensor, beta1: number, beta2: number): Moments {
  const m0 = previous?.m ?? T.zerosLike(g);
  const v0 = previous?.v ?? T.zerosLike(g);
  return {
    m: T.add(T.mul(m0, beta1), T.mul(g, 1 - beta1)),
    v: T.add(T.mul(v0, beta2), T.mul(T.mul(g, g), 1 - beta2)),
  };
}

interface StepConstants {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** The parameter's next value from its already-updated moments at step t, by `rule` (see AdamWRule). */
function updatedValue(rule: AdamWRule, p: T.Tensor, { m, v }: Moments, t: number, o: StepConstants): T.Tensor {
  if (rule === 'peft') {
    const stepSize = (o.lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
    const stepped = T.sub(p, T.mul(T.div(m, T.add(T.sqrt(v), o.eps)), stepSize));
    return o.weightDecay !== 0 ? T.sub(stepped, T.mul(stepped, o.lr * o.weightDecay)) : stepped;
  }
  const decayed = o.weightDecay !== 0 ? T.mul(p, 1 - o.lr * o.weightDecay) : p;
  const denominator = T.add(T.div(T.sqrt(v), Math.sqrt(1 - o.beta2 ** t)), o.eps);
  return T.sub(decayed, T.mul(T.div(m, denominator), o.lr / (1 - o.beta1 ** t)));
}

/**
 * The whole update as the backend's one-pass kernel, where it has one (the CPU backends): the
 * same formulas as updateMoments and updatedValue, computed in float64 per element and rounded
 * once per output instead of after every operation. Null where the backend composes.
 */
function fusedUpdate(
  p: T.Tensor,
  g: T.Tensor,
  previous: Moments | undefined,
  step: T.AdamWStep,
): readonly [Moments, T.Tensor] | null {
  const kernel = p.backend.adamW;
  if (!kernel || g.dtype !== p.dtype || !T.shapesEqual(g.shape, p.shape)) return null;
  const out = kernel(p, g, previous?.m ?? null, previous?.v ?? null, step);
  return [{ m: new T.Tensor(out.m, p.shape), v: new T.Tensor(out.v, p.shape) }, new T.Tensor(out.param, p.shape)];
}

/**
 * AdamW with PyTorch's semantics by default (torch.optim.AdamW): decoupled weight decay first,
 * p ← p(1 − ηλ); then with t the step, m̂ = m/(1 − β₁ᵗ) and p ← p − η m̂ / (√v / √(1 − β₂ᵗ) + ε).
 * Defaults in `adamWDefaults`. With `transformGradient` it is also LoRA-FA's optimizer.
 */
export class AdamW implements Optimizer {
  lr: number;
  private readonly parameters: NamedParameter[];
  private readonly moments = new Map<string, Moments>();
  /** Moment storages others may hold (handed out by stateDict, or taken in by loadStateDict): never released. */
  private readonly shared = new WeakSet<T.Storage>();
  private readonly rule: AdamWRule;
  private readonly constants: Omit<StepConstants, 'lr'>;
  private readonly transformGradient: GradientTransform | undefined;
  private steps = 0;

  constructor(parameters: ParameterList, options: AdamWOptions) {
    this.parameters = nameParameters(parameters);
    this.lr = options.lr;
    this.rule = options.rule ?? 'torch';
    const defaults = adamWDefaults[this.rule];
    const [beta1, beta2] = options.betas ?? defaults.betas;
    this.constants = {
      beta1,
      beta2,
      eps: options.eps ?? defaults.eps,
      weightDecay: options.weightDecay ?? defaults.weightDecay,
    };
    this.transformGradient = options.transformGradient;
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    this.steps++;
    const t = this.steps;
    const constants = { ...this.constants, lr: this.lr };
    noGrad(() => {
      for (const named of this.parameters) {
        const raw = named.parameter.grad;
        if (!raw) continue;
        // The update's temporaries are private: release them for reuse, keeping the new moments and value.
        const [moments, value] = T.tidy(
          () => {
            const g = this.transformGradient ? this.transformGradient(raw, named) : raw;
            const previous = this.moments.get(named.name);
            const fused = fusedUpdate(named.parameter.value, g, previous, { rule: this.rule, ...constants, step: t });
            if (fused) return fused;
            const updated = updateMoments(previous, g, constants.beta1, constants.beta2);
            return [updated, updatedValue(this.rule, named.parameter.value, updated, t, constants)] as const;
          },
          ([updated, value]) => [updated.m, updated.v, value],
        );
        this.releaseMoments(this.moments.get(named.name), moments);
        this.moments.set(named.name, moments);
        named.parameter.assign(value);
      }
    });
  }

  /**
   * The direction m/(√v + ε) the moments of `name` would give after one more update with
   * `gradient`, without changing any state (bias corrections left out). For diagnostics that
   * compare the steps two candidate gradients would make.
   */
  direction(name: string, gradient: T.Tensor): T.Tensor {
    const { m, v } = updateMoments(this.moments.get(name), gradient, this.constants.beta1, this.constants.beta2);
    return T.div(m, T.add(T.sqrt(v), this.constants.eps));
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const { parameter } of this.parameters) parameter.zeroGrad();
  }

  /**
   * Gives the replaced moments' memory back to the backend for the next step's (a training step
   * then allocates no new memory for them) — unless someone else may still hold them.
   */
  private releaseMoments(replaced: Moments | undefined, current: Moments): void {
    for (const old of replaced ? [replaced.m, replaced.v] : []) {
      if (this.shared.has(old.storage) || old.storage === current.m.storage || old.storage === current.v.storage)
        continue;
      T.releaseStorage(old.storage);
    }
  }

  /** The moments and step count as named tensors, for a checkpoint (the optimizer stops recycling these). */
  stateDict(): OptimizerState {
    for (const { m, v } of this.moments.values()) [m, v].forEach((t) => this.shared.add(t.storage));
    return momentsToState(this.moments, this.steps);
  }

  /** Restores state saved by `stateDict`, checking names and shapes. */
  loadStateDict(state: OptimizerState): void {
    const moments = momentsFromState(this.parameters, state);
    this.steps = state.step;
    this.moments.clear();
    for (const [name, entry] of moments) {
      this.moments.set(name, entry);
      [entry.m, entry.v].forEach((t) => this.shared.add(t.storage)); // the caller's tensors
    }
  }
}
