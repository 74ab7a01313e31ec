import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/**
 * Picks entries along an axis by int32 indices (embedding lookup). Saves the indices; the
 * gradient is scattered back, accumulating where an index repeats. Indices get no gradient.
 */
export const indexSelectOp: OpDefinition<{ axis: number }, 'indexSelect'> = {
  name: 'indexSelect',
  forward(ctx, [x, indices], { axis }) {
    ctx.save(indices!);
    return T.indexSelect(x!, axis, indices!);
  },
  backward(ctx, g, { axis }) {
    const [indices] = ctx.saved;
    return [T.scatterAdd(ctx.inputShapes[0]!, axis, indices!, g), null];
  },
};
