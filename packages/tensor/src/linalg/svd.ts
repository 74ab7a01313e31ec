import type { Tensor } from '../tensor.js';
import type { Matrix } from './matrix.js';
import { at, EPSILON, fromMatrix, identity, matrix, multiply, toMatrix, transposeMatrix } from './matrix.js';

const MAX_SWEEPS = 60;

/**
 * Thin SVD by one-sided Jacobi (Hestenes): rotate pairs of columns of U = A until all columns
 * are mutually orthogonal; the rotations accumulate in V, so A = U V ᵀ with U's column norms
 * the singular values. Accurate to working precision, fine for the small matrices here.
 * Returns U (m x k), S (k, descending) and V (n x k) with k = min(m, n).
 */
export function svdMatrix(a: Matrix): { u: Matrix; s: Float64Array; v: Matrix } {
  if (a.rows < a.cols) {
    const t = svdMatrix(transposeMatrix(a));
    return { u: t.v, s: t.s, v: t.u };
  }
  const { rows: m, cols: n } = a;
  const u = matrix(m, n, a.data.slice());
  const v = identity(n);
  const column = (x: Matrix, p: number, q: number) => {
    let pp = 0,
      qq = 0,
      pq = 0;
    for (let i = 0; i < x.rows; i++) {
      const xp = at(x, i, p),
        xq = at(x, i, q);
      pp += xp * xp;
      qq += xq * xq;
      pq += xp * xq;
    }
    return [pp, qq, pq] as const;
  };
  const rotate = (x: Matrix, p: number, q: number, c: number, s: number) => {
    for (let i = 0; i < x.rows; i++) {
      const xp = at(x, i, p),
        xq = at(x, i, q);
      x.data[i * x.cols + p] = c * xp - s * xq;
      x.data[i * x.cols + q] = s * xp + c * xq;
    }
  };
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const [alpha, beta, gamma] = column(u, p, q);
        if (Math.abs(gamma) <= EPSILON * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        // The rotation angle that zeroes the (p, q) entry of Uᵀ U.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        rotate(u, p, q, c, c * t);
        rotate(v, p, q, c, c * t);
      }
    }
    if (!rotated) break;
  }
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    s[j] = Math.sqrt(column(u, j, j)[0]);
    if (s[j]! > 0) for (let i = 0; i < m; i++) u.data[i * n + j]! /= s[j]!;
  }
  // Sort by descending singular value, permuting U's and V's columns alike.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => s[y]! - s[x]!);
  const pick = (x: Matrix) => {
    const out = matrix(x.rows, n);
    for (let i = 0; i < x.rows; i++) order.forEach((src, j) => (out.data[i * n + j] = at(x, i, src)));
    return out;
  };
  return { u: pick(u), s: Float64Array.from(order, (i) => s[i]!), v: pick(v) };
}

/** Thin singular value decomposition A = U diag(S) Vᵀ (float64). */
export function svd(a: Tensor): { u: Tensor; s: Tensor; v: Tensor } {
  const { u, s, v } = svdMatrix(toMatrix('svd', a));
  return { u: fromMatrix(u), s: fromMatrix(matrix(s.length, 1, Float64Array.from(s)), true), v: fromMatrix(v) };
}

/**
 * Moore–Penrose pseudo-inverse A⁺ = V diag(1/σ) Uᵀ, dropping singular values at or below
 * rcond · σ_max (default rcond = max(m, n) · ε, as in NumPy/PyTorch).
 */
export function pinv(a: Tensor, rcond?: number): Tensor {
  const am = toMatrix('pinv', a);
  const { u, s, v } = svdMatrix(am);
  const cutoff = (rcond ?? Math.max(am.rows, am.cols) * EPSILON) * (s[0] ?? 0);
  const vScaled = matrix(v.rows, v.cols, v.data.slice());
  for (let j = 0; j < s.length; j++) {
    const inv = s[j]! > cutoff ? 1 / s[j]! : 0;
    for (let i = 0; i < v.rows; i++) vScaled.data[i * v.cols + j]! *= inv;
  }
  return fromMatrix(multiply(vScaled, transposeMatrix(u)));
}
