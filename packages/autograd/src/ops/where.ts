import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/** condition ? a : b. Saves the (bool) condition; it routes each gradient entry to a or b. */
export const whereOp: OpDefinition<void, 'where'> = {
  name: 'where',
  forward(ctx, [condition, a, b]) {
    ctx.save(condition!);
    return T.where(condition!, a!, b!);
  },
  backward(ctx, g) {
    const [condition] = ctx.saved;
    return [
      null,
      ctx.needsInputGrad[1] ? unbroadcast(T.where(condition!, g, 0), ctx.inputShapes[1]!) : null,
      ctx.needsInputGrad[2] ? unbroadcast(T.where(condition!, 0, g), ctx.inputShapes[2]!) : null,
    ];
  },
};
