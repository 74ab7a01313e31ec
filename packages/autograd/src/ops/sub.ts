import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** a − b. Saves nothing. */
export const subOp: OpDefinition = {
  name: 'sub',
  forward: (_ctx, [a, b]) => T.sub(a!, b!),
  backward: (ctx, g) => [
    unbroadcast(g, ctx.inputShapes[0]!),
    ctx.needsInputGrad[1] ? unbroadcast(T.neg(g), ctx.inputShapes[1]!) : null,
  ],
};
