import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { fusedKernelsOf } from './composed-kernels.js';

/** Which GELU the `gelu` primitive computes. */
export interface GeluAttrs {
  approximate: T.GeluApproximation;
}

/**
 * GELU, exact (x·Φ(x)) or tanh-approximated (GPT-2's gelu_new), as one primitive. Composed,
 * gelu_new is seven elementwise ops that save four tensors the size of x; fused, forward is one
 * pass and it saves x alone: backward recomputes tanh (or erf) in the one pass that forms
 * g·gelu′(x), see the CPU kernel (backend/cpu/fused/gelu.ts) for the derivative.
 */
export const geluOp: OpDefinition<GeluAttrs, 'gelu'> = {
  name: 'gelu',
  forward(ctx, [x], { approximate }) {
    if (!T.isFloat(x!.dtype)) throw new Error(`gelu: needs a float tensor, got ${x!.dtype}`);
    ctx.save(x!);
    return new T.Tensor(fusedKernelsOf(x!).gelu(x!, approximate), x!.shape);
  },
  backward(ctx, g, { approximate }) {
    const x = ctx.saved[0]!;
    return [new T.Tensor(fusedKernelsOf(x).geluBackward(x, g, approximate), x.shape)];
  },
};
