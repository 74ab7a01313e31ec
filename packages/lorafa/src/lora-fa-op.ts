import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';

/** Sums over all leading dimensions: [..., n] → [N, n] with N the product of the rest. */
function rows(t: T.Tensor): T.Tensor {
  return t.reshape([-1, t.shape[t.rank - 1]!]);
}

/**
 * The LoRA-FA linear layer as one custom op. Forward:
 *   H = X Aᵀ,   Y = X W0ᵀ + b + s H Bᵀ,
 * saving H alone among activations (r numbers per token; W0, A and B are parameters, kept by
 * the model anyway). Backward, with G = dL/dY:
 *   dX = G W0 + s (G B) A          (the same as LoRA's)
 *   dB = s Gᵀ H                    (summed over every leading dimension)
 *   db = Σ G                       (if the bias is trained)
 * X is never needed: A is frozen, so there is no dA = s (G B)ᵀ X to compute.
 */
const loraFaOp = (scaling: number, hasBias: boolean) =>
  A.customOp({
    name: 'loraFA',
    forward(ctx, x, w0, a, b, bias) {
      if (ctx.needsInputGrad[1] || ctx.needsInputGrad[2]) {
        throw new Error('loraFA: W0 and A must be frozen (requiresGrad false); use method "lora" to train A');
      }
      const h = T.matmul(x, a.transpose());
      ctx.save(h, w0, a, b);
      const y = T.add(T.matmul(x, w0.transpose()), T.mul(T.matmul(h, b.transpose()), scaling));
      return hasBias ? T.add(y, bias!) : y;
    },
    backward(ctx, g) {
      const [h, w0, a, b] = ctx.saved as T.Tensor[];
      const gradX = ctx.needsInputGrad[0]
        ? T.add(T.matmul(g, w0!), T.mul(T.matmul(T.matmul(g, b!), a!), scaling))
        : null;
      const gradB = ctx.needsInputGrad[3] ? T.mul(T.matmul(rows(g).transpose(), rows(h!)), scaling) : null;
      const gradBias = hasBias && ctx.needsInputGrad[4] ? T.sum(rows(g), 0) : null;
      return hasBias ? [gradX, null, null, gradB, gradBias] : [gradX, null, null, gradB]; // one per input
    },
  });

/** Y = X W0ᵀ + b + s (X Aᵀ) Bᵀ with A frozen, saving only H = X Aᵀ for backward. */
export function loraFaLinear(
  x: Variable,
  w0: Variable,
  a: Variable,
  b: Variable,
  bias: Variable | null,
  scaling: number,
): Variable {
  return bias ? loraFaOp(scaling, true)(x, w0, a, b, bias) : loraFaOp(scaling, false)(x, w0, a, b);
}

/**
 * The same layer composed from autograd primitives (LoRA, LoRA-FB and the reference for
 * LoRA-FA). Primitives save only what the wanted gradients need, so LoRA saves X (for dA) and
 * H (for dB), LoRA-FB saves X only, and a composed LoRA-FA would save H only as well.
 */
export function loraLinear(
  x: Variable,
  w0: Variable,
  a: Variable,
  b: Variable,
  bias: Variable | null,
  scaling: number,
): Variable {
  const base = A.matmul(x, A.transpose(w0));
  const h = A.matmul(x, A.transpose(a));
  const y = A.add(base, A.mul(A.matmul(h, A.transpose(b)), scaling));
  return bias ? A.add(y, bias) : y;
}
