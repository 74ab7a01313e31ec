import type { Tensor } from '../tensor.js';
import { shapeError } from '../errors.js';
import { at, EPSILON, fromMatrix, requireSquare, toMatrix } from './matrix.js';

/**
 * Solves A X = B for square A by Gaussian elimination with partial pivoting (LU). Throws when
 * A is singular to working precision.
 */
export function solve(a: Tensor, b: Tensor): Tensor {
  const m = toMatrix('solve', a);
  const rhs = toMatrix('solve', b);
  requireSquare('solve', m);
  if (rhs.rows !== m.rows) throw shapeError('solve', `A is [${m.rows}, ${m.cols}] but B has ${rhs.rows} rows`);
  const n = m.rows;
  const w = rhs.cols;
  const lu = m.data;
  const x = rhs.data;
  const scale = lu.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(lu[r * n + col]!) > Math.abs(lu[pivot * n + col]!)) pivot = r;
    if (Math.abs(lu[pivot * n + col]!) <= n * EPSILON * scale) {
      throw new Error(`solve: matrix is singular to working precision (column ${col}); use lstsq or pinv`);
    }
    if (pivot !== col) {
      for (let j = 0; j < n; j++) [lu[col * n + j], lu[pivot * n + j]] = [lu[pivot * n + j]!, lu[col * n + j]!];
      for (let j = 0; j < w; j++) [x[col * w + j], x[pivot * w + j]] = [x[pivot * w + j]!, x[col * w + j]!];
    }
    for (let r = col + 1; r < n; r++) {
      const f = lu[r * n + col]! / lu[col * n + col]!;
      for (let j = col; j < n; j++) lu[r * n + j]! -= f * lu[col * n + j]!;
      for (let j = 0; j < w; j++) x[r * w + j]! -= f * x[col * w + j]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    for (let j = 0; j < w; j++) {
      let s = x[r * w + j]!;
      for (let k = r + 1; k < n; k++) s -= at(m, r, k) * x[k * w + j]!;
      x[r * w + j] = s / at(m, r, r);
    }
  }
  return fromMatrix(rhs, b.rank === 1);
}
