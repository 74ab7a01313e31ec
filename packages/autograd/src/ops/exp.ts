import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** eˣ. Saves its output, since d eˣ/dx = eˣ. */
export const expOp: OpDefinition<void, 'exp'> = {
  name: 'exp',
  forward(ctx, [x]) {
    const y = T.exp(x!);
    ctx.save(y);
    return y;
  },
  backward: (ctx, g) => [T.mul(g, ctx.saved[0]!)],
};
