import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** Reorders axes (a view). Saves nothing; the gradient is permuted by the inverse order. */
export const permuteOp: OpDefinition<{ axes: readonly number[] }, 'permute'> = {
  name: 'permute',
  forward: (_ctx, [x], { axes }) => x!.permute(axes),
  backward(ctx, g, { axes }) {
    const rank = ctx.inputShapes[0]!.length;
    const inverse = new Array<number>(rank);
    axes.forEach((axis, i) => (inverse[T.normalizeAxis('permute', axis, rank)] = i));
    return [g.permute(inverse)];
  },
};
