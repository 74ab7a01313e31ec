import * as T from '@lorafa/tensor';
import type { OpContext } from '../context.js';
import type { OpDefinition } from '../define-op.js';
import type { ReduceAttrs } from './sum.js';
import { withKeptAxes } from './sum.js';

/**
 * Extreme over axes. Saves the input and the (kept-axes) output. The gradient goes to the
 * elements equal to the extreme, split evenly among ties (as PyTorch's amax/amin).
 */
function extremeOp(name: 'max' | 'min', reduce: typeof T.max): OpDefinition<ReduceAttrs> {
  return {
    name,
    forward(ctx: OpContext, [x], { axes, keepdims }) {
      const kept = reduce(x!, axes, true);
      ctx.save(x!, kept);
      const out = keepdims ? kept : kept.reshape(T.reducedShape(x!.shape, T.normalizeAxes(name, axes, x!.rank), false));
      return out;
    },
    backward(ctx, g, attrs) {
      const [x, kept] = ctx.saved;
      const mask = T.cast(T.equal(x!, kept!), g.dtype);
      const ties = T.sum(mask, attrs.axes, true);
      return [T.mul(T.div(mask, ties), withKeptAxes(g, x!.shape, attrs))];
    },
  };
}

export const maxOp = extremeOp('max', T.max);
export const minOp = extremeOp('min', T.min);
