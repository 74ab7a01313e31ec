import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { fusedKernelsOf } from './composed-kernels.js';

/** LayerNorm's ε, added to the variance. */
export interface LayerNormAttrs {
  eps: number;
}

function checkOperands(x: T.Tensor, weight: T.Tensor, bias: T.Tensor): void {
  const d = x.shape[x.rank - 1];
  for (const [name, p] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (x.rank === 0 || p.rank !== 1 || p.shape[0] !== d) {
      throw new Error(
        `layerNorm: ${name} ${T.formatShape(p.shape)} must be [${d}], the last axis of x ${T.formatShape(x.shape)}`,
      );
    }
    if (p.dtype !== x.dtype) throw new Error(`layerNorm: ${name} is ${p.dtype}, x is ${x.dtype}`);
  }
  if (!T.isFloat(x.dtype)) throw new Error(`layerNorm: needs a float tensor, got ${x.dtype}`);
}

/**
 * LayerNorm over the last axis, y = x̂·γ + β with x̂ = (x − μ)·rstd and rstd = 1/√(σ² + ε)
 * (biased σ², as PyTorch), as one primitive. It saves the least the standard backward needs:
 * x̂ (the size of x) and rstd (one number per row) when dx is wanted, x̂ alone for dγ, nothing
 * for dβ, and γ (a parameter, which the ledger counts apart) for dx. The composed form saved
 * x − μ, √(σ² + ε) and, when γ trains, x̂ as well.
 *
 * Backward: dx = rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)) with dŷ = g·γ, dγ = Σ g·x̂, dβ = Σ g.
 */
export const layerNormOp: OpDefinition<LayerNormAttrs, 'layerNorm'> = {
  name: 'layerNorm',
  forward(ctx, [x, weight, bias], { eps }) {
    checkOperands(x!, weight!, bias!);
    const out = fusedKernelsOf(x!).layerNorm(x!, weight!, bias!, eps);
    const normalized = new T.Tensor(out.normalized, x!.shape);
    const rstd = new T.Tensor(out.rstd, x!.shape.slice(0, -1));
    const [wantsX, wantsWeight] = ctx.needsInputGrad;
    ctx.save(wantsX || wantsWeight ? normalized : null, wantsX ? rstd : null, wantsX ? weight! : null);
    return new T.Tensor(out.y, x!.shape);
  },
  backward(ctx, g) {
    const [normalized, rstd, weight] = ctx.saved;
    const [wantsX, wantsWeight, wantsBias] = ctx.needsInputGrad;
    const kernels = fusedKernelsOf(g);
    const d = g.shape[g.rank - 1]!;
    const gradX = wantsX ? new T.Tensor(kernels.layerNormInputGradient(g, normalized!, rstd!, weight!), g.shape) : null;
    if (!wantsWeight) return [gradX, null, wantsBias ? T.sum(g.reshape([-1, d]), 0) : null];
    const grads = kernels.layerNormWeightGradients(g, normalized!);
    return [gradX, new T.Tensor(grads.weight, [d]), wantsBias ? new T.Tensor(grads.bias, [d]) : null];
  },
};
