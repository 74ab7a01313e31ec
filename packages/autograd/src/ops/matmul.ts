import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { unbroadcast } from './unbroadcast.js';

/**
 * C = A B (batched, batch dims broadcast). ∂L/∂A = G Bᵀ and ∂L/∂B = Aᵀ G, each summed over
 * the batch dims it was broadcast along; so B is saved only if A needs a gradient and A only
 * if B does (a frozen weight's input X is not kept for a weight gradient nobody wants).
 */
export const matmulOp: OpDefinition<void, 'matmul'> = {
  name: 'matmul',
  forward(ctx, [a, b]) {
    ctx.save(ctx.needsInputGrad[1] ? a! : null, ctx.needsInputGrad[0] ? b! : null);
    return T.matmul(a!, b!);
  },
  backward(ctx, g) {
    const [a, b] = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? unbroadcast(T.matmul(g, b!.transpose()), ctx.inputShapes[0]!) : null,
      ctx.needsInputGrad[1] ? unbroadcast(T.matmul(a!.transpose(), g), ctx.inputShapes[1]!) : null,
    ];
  },
};
