import * as T from '@lorafa/tensor';
import { noGrad } from '@lorafa/autograd';
import type { GradientTransform, NamedParameter, Optimizer, OptimizerState, ParameterList } from './optimizer.js';
import { nameParameters } from './optimizer.js';
import { loadMoments } from './state.js';

/** Options of SGD (torch.optim.SGD's, with the same defaults: all 0). */
export interface SgdOptions {
  /** The learning rate η. */
  lr: number;
  /** μ, the momentum factor. */
  momentum?: number;
  /** τ, the dampening of the gradient's share in the momentum buffer. */
  dampening?: number;
  /** Nesterov momentum. */
  nesterov?: boolean;
  /** λ, added to the gradient as λp. */
  weightDecay?: number;
  /** Maps each gradient before the update (see AdamWOptions.transformGradient). */
  transformGradient?: GradientTransform;
}

/**
 * SGD with PyTorch's semantics: g ← g + λp; b ← μb + (1 − τ)g (b = g on the first step);
 * g ← g + μb with Nesterov, else g ← b; p ← p − η g. Defaults are torch.optim.SGD's (all 0).
 */
export class SGD implements Optimizer {
  lr: number;
  private readonly parameters: NamedParameter[];
  private readonly momentumBuffers = new Map<string, T.Tensor>();
  private steps = 0;

  constructor(
    parameters: ParameterList,
    private readonly options: SgdOptions,
  ) {
    this.parameters = nameParameters(parameters);
    this.lr = options.lr;
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0, transformGradient } = this.options;
    this.steps++;
    noGrad(() => {
      for (const named of this.parameters) {
        const { name, parameter } = named;
        const raw = parameter.grad;
        if (!raw) continue;
        // The update's temporaries are private: release them for reuse, keeping the new buffer and value.
        const { buffer, value } = T.tidy(
          () => {
            let g = transformGradient ? transformGradient(raw, named) : raw;
            if (weightDecay !== 0) g = T.add(g, T.mul(parameter.value, weightDecay));
            let buffer: T.Tensor | undefined;
            if (momentum !== 0) {
              const previous = this.momentumBuffers.get(name);
              buffer = previous ? T.add(T.mul(previous, momentum), T.mul(g, 1 - dampening)) : g;
              g = nesterov ? T.add(g, T.mul(buffer, momentum)) : buffer;
            }
            return { buffer, value: T.sub(parameter.value, T.mul(g, this.lr)) };
          },
          (u) => (u.buffer ? [u.buffer, u.value] : [u.value]),
        );
        if (buffer) this.momentumBuffers.set(name, buffer);
        parameter.assign(value);
      }
    });
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const { parameter } of this.parameters) parameter.zeroGrad();
  }

  /** The moments and step count as named tensors, for a checkpoint. */
  stateDict(): OptimizerState {
    const tensors: Record<string, T.Tensor> = {};
    for (const [name, buffer] of this.momentumBuffers) tensors[`${name}.momentum`] = buffer;
    return { step: this.steps, tensors };
  }

  /** Restores state saved by `stateDict`, checking names and shapes. */
  loadStateDict(state: OptimizerState): void {
    this.steps = state.step;
    loadMoments(this.parameters, state, ['momentum'], (name, _kind, t) => this.momentumBuffers.set(name, t));
  }
}
