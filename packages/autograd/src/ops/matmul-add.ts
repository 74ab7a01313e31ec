import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { productGradients } from './matmul.js';
import { unbroadcast } from './unbroadcast.js';

/**
 * C = A B + c, c broadcast to the product's shape: matmul's gradients for A and B (saving what
 * matmul saves), and add's for c, ∂L/∂c = G summed over the axes c was broadcast along (nothing
 * saved for it). The same values as matmul then add; one primitive so that the CPU fast path
 * adds c as it stores the product (a Linear's bias, LoRA's update onto the base output) instead of
 * making a second pass over the output.
 */
export const matmulAddOp: OpDefinition<void, 'matmulAdd'> = {
  name: 'matmulAdd',
  forward(ctx, [a, b, c]) {
    ctx.save(ctx.needsInputGrad[1] ? a! : null, ctx.needsInputGrad[0] ? b! : null);
    return T.matmulAdd(a!, b!, c!);
  },
  backward(ctx, g) {
    const [gradA, gradB] = productGradients(ctx, g);
    return [gradA, gradB, ctx.needsInputGrad[2] ? unbroadcast(g, ctx.inputShapes[2]!) : null];
  },
};
