import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/**
 * σ(x) = 1/(1 + e⁻ˣ). A primitive rather than a composition so that it saves only its output
 * (σ' = σ(1 − σ)) and stays finite for large |x|.
 */
export const sigmoidOp: OpDefinition<void, 'sigmoid'> = {
  name: 'sigmoid',
  forward(ctx, [x]) {
    const y = T.sigmoid(x!);
    ctx.save(y);
    return y;
  },
  backward(ctx, g) {
    const [y] = ctx.saved;
    return [T.mul(g, T.mul(y!, T.sub(1, y!)))];
  },
};
