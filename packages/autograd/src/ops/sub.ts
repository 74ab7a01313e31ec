import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** a − b. Saves nothing: ∂/∂a = 1, ∂/∂b = −1, each computed only if that input needs it. */
export const subOp: OpDefinition<void, 'sub'> = {
  name: 'sub',
  forward: (_ctx, [a, b]) => T.sub(a!, b!),
  backward: (ctx, g) => [
    ctx.needsInputGrad[0] ? unbroadcast(g, ctx.inputShapes[0]!) : null,
    ctx.needsInputGrad[1] ? unbroadcast(T.neg(g), ctx.inputShapes[1]!) : null,
  ],
};
