import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** Converts between float dtypes. Saves nothing; the gradient is cast back. */
export const castOp: OpDefinition<{ dtype: T.DType }, 'cast'> = {
  name: 'cast',
  forward: (_ctx, [x], { dtype }) => T.cast(x!, dtype),
  backward: (ctx, g) => [T.cast(g, ctx.inputDTypes[0]!)],
};
