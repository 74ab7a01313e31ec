import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { fusedKernelsOf } from './composed-kernels.js';

/** The scale applied to the scores before the softmax (1/√d_head in attention) and whether to mask the future. */
export interface AttentionSoftmaxAttrs {
  scale: number;
  causal: boolean;
}

/**
 * Attention's weights softmax(scale · s) over the last axis of the scores s `[..., T_q, T_k]`,
 * with, when causal, query i seeing keys j ≤ i + T_k − T_q only (their weights exactly 0), as one
 * primitive. Composed, it is a scale, a mask, a log-sum-exp, a subtraction and an exp, which save
 * the masked scores, the mask and the row log-sum-exp beside the weights; fused, it saves the
 * weights y alone, since the gradient needs nothing else:
 *   ∂L/∂s = scale · y ⊙ (g − Σ_j g_j y_j)    (the softmax's Jacobian diag(y) − y yᵀ, per row).
 * The weights are what the product with v saves too, so the tape counts them once.
 */
export const attentionSoftmaxOp: OpDefinition<AttentionSoftmaxAttrs, 'attentionSoftmax'> = {
  name: 'attentionSoftmax',
  forward(ctx, [scores], { scale, causal }) {
    if (!T.isFloat(scores!.dtype)) throw new Error(`attentionSoftmax: needs float scores, got ${scores!.dtype}`);
    if (scores!.rank < 2)
      throw new Error(`attentionSoftmax: needs scores [..., queries, keys], got ${T.formatShape(scores!.shape)}`);
    const y = new T.Tensor(fusedKernelsOf(scores!).attentionSoftmax(scores!, scale, causal), scores!.shape);
    ctx.save(y);
    return y;
  },
  backward(ctx, g, { scale }) {
    const y = ctx.saved[0]!;
    return [new T.Tensor(fusedKernelsOf(y).attentionSoftmaxBackward(y, g, scale), y.shape)];
  },
};
