import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** erf x. Saves its input: d erf(x)/dx = 2/√π · e^(−x²). */
export const erfOp: OpDefinition<void, 'erf'> = {
  name: 'erf',
  forward(ctx, [x]) {
    ctx.save(x!);
    return T.erf(x!);
  },
  backward(ctx, g) {
    const x = ctx.saved[0]!;
    return [T.mul(g, T.mul(T.exp(T.neg(T.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
};
