import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/**
 * LayerNorm over the last dimension: (x − μ) / √(σ² + ε) · γ + β with the biased variance, as
 * PyTorch. Composed from primitives, so its gradient needs no rule of its own.
 */
export class LayerNorm extends Module {
  readonly weight: Variable;
  readonly bias: Variable;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
    options: { dtype?: T.FloatDType } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', T.ones([dim], options));
    this.bias = this.registerParameter('bias', T.zeros([dim], options));
  }

  /** Normalises x over its last dimension (which must equal `dim`), then scales by `weight` and shifts by `bias`. */
  forward(x: Variable): Variable {
    if (x.shape[x.rank - 1] !== this.dim) {
      throw new Error(`LayerNorm(${this.dim}): input has shape ${T.formatShape(x.shape)}`);
    }
    const centered = A.sub(x, A.mean(x, -1, true));
    const variance = A.mean(A.square(centered), -1, true);
    const normalized = A.div(centered, A.sqrt(A.add(variance, this.eps)));
    return A.add(A.mul(normalized, this.weight), this.bias);
  }
}
