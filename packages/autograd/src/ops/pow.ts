import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/**
 * a^b. ∂/∂a = b·a^(b−1) needs a and b; ∂/∂b = a^b·ln a (defined for a > 0) needs the output
 * and a. So it saves a always, b only if a needs a gradient, the output only if b does.
 */
export const powOp: OpDefinition<void, 'pow'> = {
  name: 'pow',
  forward(ctx, [a, b]) {
    const out = T.pow(a!, b!);
    ctx.save(a!, ctx.needsInputGrad[0] ? b! : null, ctx.needsInputGrad[1] ? out : null);
    return out;
  },
  backward(ctx, g) {
    const [a, b, out] = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? unbroadcast(T.mul(g, T.mul(b!, T.pow(a!, T.sub(b!, 1)))), ctx.inputShapes[0]!) : null,
      ctx.needsInputGrad[1] ? unbroadcast(T.mul(g, T.mul(out!, T.log(a!))), ctx.inputShapes[1]!) : null,
    ];
  },
};
