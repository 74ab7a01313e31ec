import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';

/**
 * The LoRA layer composed from autograd primitives (LoRA, LoRA-FB, and the reference the LoRA-FA
 * op is tested against): Y = X W0ᵀ + b + s (X Aᵀ) Bᵀ. Primitives save only what the wanted
 * gradients need, so LoRA saves X (for dA) and H (for dB), LoRA-FB saves X only, and a composed
 * LoRA-FA would save H only as well.
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
