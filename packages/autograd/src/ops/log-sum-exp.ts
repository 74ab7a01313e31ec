import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** Attributes of an op along one axis, and whether to keep it as size 1. */
export interface AxisAttrs {
  axis: number;
  keepdims: boolean;
}

/**
 * log Σ exp(x) along an axis, computed stably by the tensor op. A primitive so that its
 * gradient, softmax(x) = exp(x − lse), comes from the saved input and output without overflow.
 */
export const logSumExpOp: OpDefinition<AxisAttrs, 'logSumExp'> = {
  name: 'logSumExp',
  forward(ctx, [x], { axis, keepdims }) {
    const kept = T.logSumExp(x!, axis, true);
    ctx.save(x!, kept);
    return keepdims ? kept : kept.squeeze(axis);
  },
  backward(ctx, g, { axis, keepdims }) {
    const [x, kept] = ctx.saved;
    const gKept = keepdims ? g : g.unsqueeze(T.normalizeAxis('logSumExp', axis, x!.rank));
    return [T.mul(gKept, T.exp(T.sub(x!, kept!)))];
  },
};
