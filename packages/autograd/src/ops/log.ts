import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** ln x. Saves its input: d ln x/dx = 1/x. */
export const logOp: OpDefinition<void, 'log'> = {
  name: 'log',
  forward(ctx, [x]) {
    ctx.save(x!);
    return T.log(x!);
  },
  backward: (ctx, g) => [T.div(g, ctx.saved[0]!)],
};
