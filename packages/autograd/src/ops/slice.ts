import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** A slice (a view). Saves nothing; the gradient is written into zeros at the slice. */
export const sliceOp: OpDefinition<{ specs: readonly T.SliceSpec[] }, 'slice'> = {
  name: 'slice',
  forward: (_ctx, [x], { specs }) => x!.slice(specs),
  backward: (ctx, g, { specs }) => [T.sliceScatterZeros(ctx.inputShapes[0]!, specs, g)],
};
