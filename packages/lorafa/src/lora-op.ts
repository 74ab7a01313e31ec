import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';

/**
 * The LoRA layer composed from autograd primitives (LoRA, LoRA-FB, and the reference the LoRA-FA
 * op is tested against): Y = X W0ᵀ + b + s (X Aᵀ) Bᵀ. Primitives save only what the wanted
 * gradients need, so LoRA saves X (for dA) and H (for dB), LoRA-FB saves X only, and a composed
 * LoRA-FA would save H only as well; the tape labels them 'X' and 'H' (`savedBytes().kinds`).
 */
export function loraLinear(
  x: Variable,
  w0: Variable,
  a: Variable,
  b: Variable,
  bias: Variable | null,
  scaling: number,
): Variable {
  // base + bias, then the update added onto it as it is stored (matmulAdd: matmul then add's values).
  const base = bias ? A.matmulAdd(x, A.transpose(w0), bias) : A.matmul(x, A.transpose(w0));
  // The tape's kinds: what dA = s (G B)ᵀ X keeps is X, what dB = s Gᵀ H keeps is H (as s H).
  const h = A.withSavedKind('X', () => A.matmul(x, A.transpose(a)));
  // s scales the r-column H rather than the out-column product: the same sum, a smaller pass.
  return A.withSavedKind('H', () => A.matmulAdd(A.mul(h, scaling), A.transpose(b), base));
}
