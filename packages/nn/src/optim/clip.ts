import * as T from '@lorafa/tensor';
import type { Variable } from '@lorafa/autograd';

/**
 * Scales gradients in place so their global L2 norm is at most `maxNorm` (PyTorch's
 * clip_grad_norm_: coefficient maxNorm / (norm + 1e-6), applied only when below 1).
 * Returns the norm before clipping.
 */
export function clipGradNorm(parameters: readonly Variable[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  let squares = 0;
  for (const p of parameters)
    if (p.grad) squares += T.sum(T.mul(T.cast(p.grad, 'float64'), T.cast(p.grad, 'float64'))).item();
  const norm = Math.sqrt(squares);
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1) for (const p of parameters) if (p.grad) p.grad = T.mul(p.grad, coefficient);
  return norm;
}
