import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** max(x, 0). Saves its output; the gradient passes where the output is positive (0 at x = 0). */
export const reluOp: OpDefinition<void, 'relu'> = {
  name: 'relu',
  forward(ctx, [x]) {
    const y = T.relu(x!);
    ctx.save(y);
    return y;
  },
  backward: (ctx, g) => [T.where(T.greater(ctx.saved[0]!, 0), g, 0)],
};
