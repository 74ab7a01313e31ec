import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import type { OpContext } from '../context.js';
import { unbroadcast } from './unbroadcast.js';

/**
 * C = A B (batched, batch dims broadcast). ∂L/∂A = G Bᵀ and ∂L/∂B = Aᵀ G, each summed over
 * the batch dims it was broadcast along; so B is saved only if A needs a gradient and A only
 * if B does (a frozen weight's input X is not kept for a weight gradient nobody wants).
 *
 * A 2-D B shared by every batch (a Linear's weight against [batch, seq, in]) gets its gradient
 * as one product over all rows, ∂L/∂B = Σ_batch Aᵢᵀ Gᵢ = Aᵀ G with A and G flattened to
 * [batch·seq, ·]: no batch of partial products to allocate and sum.
 */
export const matmulOp: OpDefinition<void, 'matmul'> = {
  name: 'matmul',
  forward(ctx, [a, b]) {
    ctx.save(ctx.needsInputGrad[1] ? a! : null, ctx.needsInputGrad[0] ? b! : null);
    return T.matmul(a!, b!);
  },
  backward: (ctx, g) => productGradients(ctx, g),
};

/** ∂L/∂A = G Bᵀ and ∂L/∂B = Aᵀ G (each if wanted) from the saved [A, B] of matmul or matmulAdd. */
export function productGradients(ctx: OpContext, g: T.Tensor): [T.Tensor | null, T.Tensor | null] {
  const [a, b] = ctx.saved;
  return [
    ctx.needsInputGrad[0] ? unbroadcast(T.matmul(g, b!.transpose()), ctx.inputShapes[0]!) : null,
    ctx.needsInputGrad[1] ? weightGradient(a!, g, ctx.inputShapes[1]!) : null,
  ];
}

/** ∂L/∂B = Aᵀ G summed over the broadcast batch dims; one flattened product when B is 2-D. */
function weightGradient(a: T.Tensor, g: T.Tensor, bShape: readonly number[]): T.Tensor {
  if (bShape.length === 2 && a.rank > 2) {
    const rows = (t: T.Tensor) => t.reshape([-1, t.shape[t.rank - 1]!]);
    return T.matmul(rows(a).transpose(), rows(g));
  }
  return unbroadcast(T.matmul(a.transpose(), g), bShape);
}
