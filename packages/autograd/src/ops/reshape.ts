import type { OpDefinition } from '../define-op.js';

/** Same elements, new shape. Saves nothing; the gradient is reshaped back. */
export const reshapeOp: OpDefinition<{ shape: readonly number[] }, 'reshape'> = {
  name: 'reshape',
  forward: (_ctx, [x], { shape }) => x!.reshape(shape),
  backward: (ctx, g) => [g.reshape(ctx.inputShapes[0]!)],
};
