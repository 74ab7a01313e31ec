import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/** A lookup table: int32 ids [...] → rows of `weight` [..., dim]. Initialised N(0, 0.02²) as GPT-2. */
export class Embedding extends Module {
  readonly weight: Variable;

  constructor(
    readonly count: number,
    readonly dim: number,
    options: { dtype?: T.FloatDType; rng?: T.Rng; std?: number } = {},
  ) {
    super();
    this.weight = this.registerParameter(
      'weight',
      T.randn([count, dim], { dtype: options.dtype, rng: options.rng, std: options.std ?? 0.02 }),
    );
  }

  /** Looks up the rows of `weight` for int32 ids [...], giving [..., dim]; throws for other dtypes. */
  forward(ids: T.Tensor): Variable {
    if (ids.dtype !== 'int32') throw new Error(`Embedding: ids must be int32, got ${ids.dtype}`);
    return A.indexSelect(this.weight, 0, ids);
  }
}
