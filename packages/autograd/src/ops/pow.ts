import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/**
 * a^b. Saves a, b and the output: ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a (defined for a > 0; it
 * is computed only when b needs a gradient).
 */
export const powOp: OpDefinition = {
  name: 'pow',
  forward(ctx, [a, b]) {
    const out = T.pow(a!, b!);
    ctx.save(a!, b!, out);
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
