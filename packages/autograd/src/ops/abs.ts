import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** |x|. Saves its input: d|x|/dx = sign(x) (0 at x = 0, as in PyTorch). */
export const absOp: OpDefinition<void, 'abs'> = {
  name: 'abs',
  forward(ctx, [x]) {
    ctx.save(x!);
    return T.abs(x!);
  },
  backward: (ctx, g) => [T.mul(g, T.sign(ctx.saved[0]!))],
};
