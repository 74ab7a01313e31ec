import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** a / b. ∂/∂a = 1/b, ∂/∂b = −a/b²: saves b always and a only if b needs a gradient. */
export const divOp: OpDefinition<void, 'div'> = {
  name: 'div',
  forward(ctx, [a, b]) {
    ctx.save(ctx.needsInputGrad[1] ? a! : null, b!);
    return T.div(a!, b!);
  },
  backward(ctx, g) {
    const [a, b] = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? unbroadcast(T.div(g, b!), ctx.inputShapes[0]!) : null,
      ctx.needsInputGrad[1] ? unbroadcast(T.neg(T.div(T.mul(g, a!), T.mul(b!, b!))), ctx.inputShapes[1]!) : null,
    ];
  },
};
