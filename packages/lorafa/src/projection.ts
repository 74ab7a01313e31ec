import * as T from '@lorafa/tensor';
import { GramSolver } from './corrections.js';

/**
 * Theorem 3.1: what a frozen A0 (r x d, full row rank) can express. Any update B A0 lies in A0's
 * row space; the B′ closest to a target update W (out x d) in Frobenius norm solves the normal
 * equations (B′ A0 − W) A0ᵀ = 0:
 *
 *   B′ = W A0ᵀ (A0 A0ᵀ)⁻¹,
 *
 * the same r x r Gram solve as the corrected gradient of Theorem 4.1 (`correctB`). When
 * W = B* M A0 for an r x r M, B′ = B* M and B′ A0 = W exactly. All in float64.
 */
export function projectOntoFrozenA(target: T.Tensor, a0: T.Tensor, solver = GramSolver.forRows(a0)): T.Tensor {
  if (target.rank !== 2 || a0.rank !== 2 || target.shape[1] !== a0.shape[1]) {
    throw new Error(
      `projectOntoFrozenA: target ${T.formatShape(target.shape)} and frozen A0 ${T.formatShape(a0.shape)} do not share the input dimension`,
    );
  }
  const a64 = T.cast(a0, 'float64');
  return solver.solveRight(T.matmul(T.cast(target, 'float64'), a64.transpose()));
}

/**
 * The part of W that a frozen A0 cannot express: W − B′ A0 = W (I − P) with
 * P = A0ᵀ (A0 A0ᵀ)⁻¹ A0 the orthogonal projection onto A0's row space (Appendix A.1, Part II,
 * takes W = A*).
 */
export function residualOutsideRowSpace(target: T.Tensor, a0: T.Tensor, solver = GramSolver.forRows(a0)): T.Tensor {
  const bPrime = projectOntoFrozenA(target, a0, solver);
  return T.sub(T.cast(target, 'float64'), T.matmul(bPrime, T.cast(a0, 'float64')));
}
