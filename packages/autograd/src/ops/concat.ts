import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** Joins along an axis. Saves nothing; each input gets its own slice of the gradient. */
export const concatOp: OpDefinition<{ axis: number }, 'concat'> = {
  name: 'concat',
  forward: (_ctx, inputs, { axis }) => T.concat(inputs, axis),
  backward(ctx, g, { axis }) {
    const a = T.normalizeAxis('concat', axis, g.rank);
    let start = 0;
    return ctx.inputShapes.map((shape) => {
      const stop = start + shape[a]!;
      const piece = g.slice([...new Array<null>(a).fill(null), { start, stop }]).contiguous();
      start = stop;
      return piece;
    });
  },
};
