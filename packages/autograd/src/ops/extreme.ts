import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import type { ReduceAttrs } from './sum.js';
import { withKeptAxes } from './sum.js';

/**
 * The extreme (max or min) over axes, for max.ts and min.ts. Saves the input and the
 * kept-axes output. The gradient goes to the elements equal to the extreme, split evenly among
 * ties (as PyTorch's amax/amin): ∂/∂xᵢ = [xᵢ = m] / #{j : xⱼ = m}.
 */
export function extremeOp<N extends 'max' | 'min'>(name: N, reduce: typeof T.max): OpDefinition<ReduceAttrs, N> {
  return {
    name,
    forward(ctx, [x], { axes, keepdims }) {
      const kept = reduce(x!, axes, true);
      ctx.save(x!, kept);
      return keepdims ? kept : kept.reshape(T.reducedShape(x!.shape, T.normalizeAxes(name, axes, x!.rank), false));
    },
    backward(ctx, g, attrs) {
      const [x, kept] = ctx.saved;
      const mask = T.cast(T.equal(x!, kept!), g.dtype);
      const ties = T.sum(mask, attrs.axes, true);
      return [T.mul(T.div(mask, ties), withKeptAxes(g, x!.shape, attrs))];
    },
  };
}
