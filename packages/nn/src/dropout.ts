import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/**
 * Inverted dropout: in training, zero each element with probability p and scale the rest by
 * 1/(1 − p); in eval mode, the identity. Masks come from the module's own seeded Rng.
 */
export class Dropout extends Module {
  private readonly rng: T.Rng;

  constructor(
    readonly p: number,
    options: { rng?: T.Rng; seed?: number } = {},
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.rng = options.rng ?? new T.Rng(options.seed ?? 0);
  }

  /** In training, x times a fresh keep-mask scaled by 1/(1 − p); in eval mode (or p = 0), x unchanged. */
  forward(x: Variable): Variable {
    if (!this.training || this.p === 0) return x;
    const keep = T.greaterEqual(
      T.rand(x.shape, { dtype: x.dtype, rng: this.rng, backend: x.value.backend.name }),
      this.p,
    );
    const mask = T.div(T.cast(keep, x.dtype), 1 - this.p);
    return A.mul(x, mask);
  }
}
