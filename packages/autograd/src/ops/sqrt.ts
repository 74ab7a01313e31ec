import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** √x. Saves its output: d√x/dx = 1/(2√x). */
export const sqrtOp: OpDefinition<void, 'sqrt'> = {
  name: 'sqrt',
  forward(ctx, [x]) {
    const y = T.sqrt(x!);
    ctx.save(y);
    return y;
  },
  backward: (ctx, g) => [T.div(g, T.mul(ctx.saved[0]!, 2))],
};
