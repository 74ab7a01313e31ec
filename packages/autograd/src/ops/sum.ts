import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** Attributes of a reduction: the axes (undefined for all) and whether to keep them as size 1. */
export interface ReduceAttrs {
  axes: number | readonly number[] | undefined;
  keepdims: boolean;
}

/** The gradient of a reduction's output, reshaped with kept axes so it broadcasts over the input. */
export function withKeptAxes(g: T.Tensor, inputShape: readonly number[], attrs: ReduceAttrs): T.Tensor {
  const axes = T.normalizeAxes('reduce', attrs.axes, inputShape.length);
  return g.reshape(T.reducedShape(inputShape, axes, true));
}

/** Σ over axes. Saves nothing: every input element receives the output's gradient. */
export const sumOp: OpDefinition<ReduceAttrs, 'sum'> = {
  name: 'sum',
  forward: (_ctx, [x], { axes, keepdims }) => T.sum(x!, axes, keepdims),
  backward: (ctx, g, attrs) => [withKeptAxes(g, ctx.inputShapes[0]!, attrs).expand(ctx.inputShapes[0]!)],
};
