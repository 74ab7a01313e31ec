import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** Broadcast to a larger shape (a stride-0 view). Saves nothing; the gradient is summed back. */
export const expandOp: OpDefinition<{ shape: readonly number[] }, 'expand'> = {
  name: 'expand',
  forward: (_ctx, [x], { shape }) => x!.expand(shape),
  backward: (ctx, g) => [unbroadcast(g, ctx.inputShapes[0]!)],
};
