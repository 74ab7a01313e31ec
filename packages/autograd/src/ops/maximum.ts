import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/**
 * max(a, b) elementwise. Saves both operands. The gradient goes to the larger one; at a tie
 * it is split in half between them, as PyTorch does.
 */
export const maximumOp: OpDefinition<void, 'maximum'> = {
  name: 'maximum',
  forward(ctx, [a, b]) {
    ctx.save(a!, b!);
    return T.maximum(a!, b!);
  },
  backward(ctx, g) {
    const [a, b] = ctx.saved;
    const half = T.mul(T.cast(T.equal(a!, b!), g.dtype), 0.5);
    const toA = T.add(T.cast(T.greater(a!, b!), g.dtype), half);
    const toB = T.add(T.cast(T.less(a!, b!), g.dtype), half);
    return [
      ctx.needsInputGrad[0] ? unbroadcast(T.mul(g, toA), ctx.inputShapes[0]!) : null,
      ctx.needsInputGrad[1] ? unbroadcast(T.mul(g, toB), ctx.inputShapes[1]!) : null,
    ];
  },
};
