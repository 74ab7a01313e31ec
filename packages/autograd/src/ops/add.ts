import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** a + b. Saves nothing: ∂/∂a = ∂/∂b = 1, so each input that needs it gets g, unbroadcast. */
export const addOp: OpDefinition<void, 'add'> = {
  name: 'add',
  forward: (_ctx, [a, b]) => T.add(a!, b!),
  backward: (ctx, g) => [
    ctx.needsInputGrad[0] ? unbroadcast(g, ctx.inputShapes[0]!) : null,
    ctx.needsInputGrad[1] ? unbroadcast(g, ctx.inputShapes[1]!) : null,
  ],
};
