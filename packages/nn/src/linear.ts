import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/** Options for {@link Linear}: `bias` (default true), dtype (default float32) and the initialising Rng. */
export interface LinearOptions {
  bias?: boolean;
  dtype?: T.FloatDType;
  rng?: T.Rng;
}

/**
 * y = x Wᵀ + b with W of shape out x in (PyTorch's layout). Initialised as nn.Linear:
 * W ~ Kaiming-uniform(a = √5), i.e. U(±1/√in), and b ~ U(±1/√in).
 */
export class Linear extends Module {
  readonly weight: Variable;
  readonly bias: Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const { dtype = 'float32', rng } = options;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', T.kaimingUniform([outFeatures, inFeatures], { dtype, rng }));
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter('bias', T.uniform([outFeatures], -bound, bound, { dtype, rng }));
  }

  /** x Wᵀ + b for x [..., inFeatures], giving [..., outFeatures]; throws on another last dimension. */
  forward(x: Variable): Variable {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(
        `Linear(${this.inFeatures} → ${this.outFeatures}): input has shape ${T.formatShape(x.shape)}, expected last dimension ${this.inFeatures}`,
      );
    }
    // What dW = Gᵀ X keeps is the input: the tape labels it 'X' (`savedBytes().kinds`). The bias is
    // added as the product is stored (matmulAdd: the values of matmul then add).
    const weight = A.transpose(this.weight);
    return A.withSavedKind('X', () => (this.bias ? A.matmulAdd(x, weight, this.bias) : A.matmul(x, weight)));
  }
}
