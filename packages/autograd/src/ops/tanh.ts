import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** tanh x. Saves its output: d tanh x/dx = 1 − tanh²x. */
export const tanhOp: OpDefinition<void, 'tanh'> = {
  name: 'tanh',
  forward(ctx, [x]) {
    const y = T.tanh(x!);
    ctx.save(y);
    return y;
  },
  backward(ctx, g) {
    const [y] = ctx.saved;
    return [T.mul(g, T.sub(1, T.mul(y!, y!)))];
  },
};
