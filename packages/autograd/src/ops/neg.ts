import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/** −x. Saves nothing. */
export const negOp: OpDefinition<void, 'neg'> = {
  name: 'neg',
  forward: (_ctx, [x]) => T.neg(x!),
  backward: (_ctx, g) => [T.neg(g)],
};
