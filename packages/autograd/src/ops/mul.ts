import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** a · b. ∂/∂a = b and ∂/∂b = a, so it saves b only if a needs a gradient, and vice versa. */
export const mulOp: OpDefinition<void, 'mul'> = {
  name: 'mul',
  forward(ctx, [a, b]) {
    ctx.save(ctx.needsInputGrad[1] ? a! : null, ctx.needsInputGrad[0] ? b! : null);
    return T.mul(a!, b!);
  },
  backward(ctx, g) {
    const [a, b] = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? unbroadcast(T.mul(g, b!), ctx.inputShapes[0]!) : null,
      ctx.needsInputGrad[1] ? unbroadcast(T.mul(g, a!), ctx.inputShapes[1]!) : null,
    ];
  },
};
