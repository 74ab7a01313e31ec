import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** a + b. Saves nothing: ∂/∂a = ∂/∂b = 1. */
export const addOp: OpDefinition = {
  name: 'add',
  forward: (_ctx, [a, b]) => T.add(a!, b!),
  backward: (ctx, g) => [unbroadcast(g, ctx.inputShapes[0]!), unbroadcast(g, ctx.inputShapes[1]!)],
};
