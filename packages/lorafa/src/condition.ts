import * as T from '@lorafa/tensor';

/**
 * The exact 2-norm condition number κ(G) = λ_max / λ_min of a symmetric positive
 * semi-definite r x r matrix (a Gram matrix A Aᵀ or Bᵀ B), in float64. For such a matrix the
 * singular values are the eigenvalues, so one SVD (one-sided Jacobi, accurate for the small
 * r here) gives both. A singular G (λ_min = 0) has κ = ∞.
 */
export function gramCondition(gram: T.Tensor): number {
  if (gram.rank !== 2 || gram.shape[0] !== gram.shape[1]) {
    throw new Error(`gramCondition: expected a square matrix, got ${T.formatShape(gram.shape)}`);
  }
  const eigenvalues = T.linalg.svd(gram).s.dataSync(); // descending
  const largest = eigenvalues[0]!;
  const smallest = eigenvalues[eigenvalues.length - 1]!;
  return smallest > 0 ? largest / smallest : Infinity;
}
