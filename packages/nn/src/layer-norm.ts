import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/**
 * LayerNorm over the last dimension: (x − μ) / √(σ² + ε) · γ + β with the biased variance, as
 * PyTorch. One fused primitive (`A.layerNorm`): one pass forward, and it saves x̂ and one rstd
 * per row for its hand-written backward; {@link layerNormComposed} is its reference.
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
    return A.layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** LayerNorm composed from primitives (mean, sub, square, sqrt, div, mul, add): the fused op's reference. */
export function layerNormComposed(x: Variable, weight: Variable, bias: Variable, eps = 1e-5): Variable {
  const centered = A.sub(x, A.mean(x, -1, true));
  const variance = A.mean(A.square(centered), -1, true);
  const normalized = A.div(centered, A.sqrt(A.add(variance, eps)));
  return A.add(A.mul(normalized, weight), bias);
}
