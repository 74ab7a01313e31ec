import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';

/** [..., n] → [N, n], N the product of the leading dimensions (a view when contiguous). */
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
 *
 * With `inverseGram` M = (A Aᵀ)⁻¹ given, the op returns B's corrected gradient instead
 * (Theorem 4.1): g_B M / s² = (s Gᵀ H) M / s² = Gᵀ (H M) / s, computed in that order so that the
 * raw gradient is never formed. M is a constant of the frozen A (like s), not an activation, so
 * it is not saved; the ledger sees H alone either way.
 *
 * On a backend with fused LoRA-FA kernels (`backend.loraFa`, the gpu backend) the products run
 * as those kernels; elsewhere they are composed from tensor ops. Both compute the same thing.
 */
const loraFaOp = (scaling: number, hasBias: boolean, inverseGram: T.Tensor | null) =>
  A.customOp({
    name: 'loraFA',
    forward(ctx, x, w0, a, b, bias) {
      if (ctx.needsInputGrad[1] || ctx.needsInputGrad[2]) {
        throw new Error('loraFA: W0 and A must be frozen (requiresGrad false); use method "lora" to train A');
      }
      const fused = x.backend.loraFa;
      if (fused) {
        const x2 = rows(x);
        const out = fused.forward(x2, w0!, a!, b!, hasBias ? bias! : null, scaling);
        const h = new T.Tensor(out.h, [...x.shape.slice(0, -1), a!.shape[0]!]);
        ctx.save(h, w0, a, b);
        return new T.Tensor(out.y, [...x.shape.slice(0, -1), w0!.shape[0]!]);
      }
      const h = T.matmul(x, a!.transpose());
      ctx.save(h, w0, a, b);
      // s scales the r-column H (and below G B) rather than an out- or in-column product. Each sum
      // is added as its product is stored (matmulAdd): X W0ᵀ + b, then + s H Bᵀ.
      const base = hasBias ? T.matmulAdd(x, w0!.transpose(), bias!) : T.matmul(x, w0!.transpose());
      return T.matmulAdd(T.mul(h, scaling), b!.transpose(), base);
    },
    backward(ctx, g) {
      const [h, w0, a, b] = ctx.saved as T.Tensor[];
      const fused = g.backend.loraFa;
      let gradX: T.Tensor | null = null;
      if (ctx.needsInputGrad[0]) {
        gradX = fused
          ? new T.Tensor(fused.inputGradient(rows(g), w0!, a!, b!, scaling), [...g.shape.slice(0, -1), w0!.shape[1]!])
          : T.matmulAdd(T.mul(T.matmul(g, b!), scaling), a!, T.matmul(g, w0!));
      }
      const gradB = ctx.needsInputGrad[3] ? weightGradient(rows(g), rows(h!), scaling, inverseGram) : null;
      const gradBias = hasBias && ctx.needsInputGrad[4] ? T.sum(rows(g), 0) : null;
      return hasBias ? [gradX, null, null, gradB, gradBias] : [gradX, null, null, gradB]; // one per input
    },
  });

/** dB = s Gᵀ H, or the corrected Gᵀ (H M) / s (Theorem 4.1) when M = (A Aᵀ)⁻¹ is given. */
function weightGradient(g: T.Tensor, h: T.Tensor, scaling: number, inverseGram: T.Tensor | null): T.Tensor {
  const fused = g.backend.loraFa;
  if (fused) return new T.Tensor(fused.weightGradient(g, h, scaling, inverseGram), [g.shape[1]!, h.shape[1]!]);
  if (inverseGram === null) return T.mul(T.matmul(g.transpose(), h), scaling);
  return T.div(T.matmul(g.transpose(), T.matmul(h, inverseGram)), scaling);
}

/**
 * Y = X W0ᵀ + b + s (X Aᵀ) Bᵀ with A frozen, saving only H = X Aᵀ for backward. With
 * `inverseGram` = (A Aᵀ)⁻¹ (on B's backend, B's dtype), B's gradient comes out already
 * corrected (Theorem 4.1); LoraFAOptimizer sets this up on backends that fuse the correction.
 */
export function loraFaLinear(
  x: Variable,
  w0: Variable,
  a: Variable,
  b: Variable,
  bias: Variable | null,
  scaling: number,
  inverseGram: T.Tensor | null = null,
): Variable {
  // Its one saved activation is H: the tape labels it so (`savedBytes().kinds`).
  return A.withSavedKind('H', () =>
    bias ? loraFaOp(scaling, true, inverseGram)(x, w0, a, b, bias) : loraFaOp(scaling, false, inverseGram)(x, w0, a, b),
  );
}
