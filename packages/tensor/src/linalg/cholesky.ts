import type { Tensor } from '../tensor.js';
import { formatShape, shapeError } from '../errors.js';
import type { Matrix } from './matrix.js';
import { at, fromMatrix, identity, matrix, requireSquare, toMatrix } from './matrix.js';

/** Thrown when a matrix that must be symmetric positive definite is not (numerically). */
export class NotPositiveDefiniteError extends Error {
  override name = 'NotPositiveDefiniteError';
}

/** Cholesky–Banachiewicz: the lower-triangular L with A = L Lᵀ. Only A's lower triangle is read. */
export function choleskyMatrix(a: Matrix, op = 'cholesky'): Matrix {
  requireSquare(op, a);
  const n = a.rows;
  const l = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = at(a, i, j);
      for (let k = 0; k < j; k++) s -= at(l, i, k) * at(l, j, k);
      if (i === j) {
        if (!(s > 0)) {
          throw new NotPositiveDefiniteError(
            `${op}: matrix is not positive definite (pivot ${i} is ${s}); it may be singular or ill-conditioned`,
          );
        }
        l.data[i * n + i] = Math.sqrt(s);
      } else {
        l.data[i * n + j] = s / at(l, j, j);
      }
    }
  }
  return l;
}

/** Solves L Lᵀ X = B by forward then backward substitution. */
export function choleskySolveMatrix(l: Matrix, b: Matrix, op = 'choleskySolve'): Matrix {
  if (b.rows !== l.rows)
    throw shapeError(op, `factor is [${l.rows}, ${l.cols}] but right-hand side has ${b.rows} rows`);
  const n = l.rows;
  const x = matrix(b.rows, b.cols, b.data.slice());
  for (let c = 0; c < b.cols; c++) {
    for (let i = 0; i < n; i++) {
      let s = x.data[i * b.cols + c]!;
      for (let k = 0; k < i; k++) s -= at(l, i, k) * x.data[k * b.cols + c]!;
      x.data[i * b.cols + c] = s / at(l, i, i);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x.data[i * b.cols + c]!;
      for (let k = i + 1; k < n; k++) s -= at(l, k, i) * x.data[k * b.cols + c]!;
      x.data[i * b.cols + c] = s / at(l, i, i);
    }
  }
  return x;
}

/** L with A = L Lᵀ for a symmetric positive definite A (float64 result). */
export function cholesky(a: Tensor): Tensor {
  return fromMatrix(choleskyMatrix(toMatrix('cholesky', a)));
}

/** X with A X = B, given A's Cholesky factor L. B may be a vector or a matrix. */
export function choleskySolve(l: Tensor, b: Tensor): Tensor {
  const factor = toMatrix('choleskySolve', l);
  if (factor.rows !== factor.cols)
    throw shapeError('choleskySolve', `factor must be square, got ${formatShape(l.shape)}`);
  return fromMatrix(choleskySolveMatrix(factor, toMatrix('choleskySolve', b)), b.rank === 1);
}

/** A⁻¹ for a symmetric positive definite A, via Cholesky. */
export function spdInverse(a: Tensor): Tensor {
  const l = choleskyMatrix(toMatrix('spdInverse', a), 'spdInverse');
  return fromMatrix(choleskySolveMatrix(l, identity(l.rows)));
}
