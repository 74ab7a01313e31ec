import type { Tensor } from '../tensor.js';
import { shapeError } from '../errors.js';
import type { Matrix } from './matrix.js';
import { at, EPSILON, fromMatrix, matrix, toMatrix } from './matrix.js';

/**
 * Reduced QR by Householder reflections: A (m x n, m ≥ n) = Q R with Q m x n having
 * orthonormal columns and R n x n upper triangular.
 */
export function qrMatrix(a: Matrix, op = 'qr'): { q: Matrix; r: Matrix } {
  const { rows: m, cols: n } = a;
  if (m < n) throw shapeError(op, `needs rows ≥ columns, got [${m}, ${n}]`);
  const r = matrix(m, n, a.data.slice());
  const reflectors: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    // v = x + sign(x0) ||x|| e0 reflects column k below the diagonal onto e0.
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = at(r, i, k);
    const norm = Math.hypot(...v);
    v[0]! += (v[0]! >= 0 ? 1 : -1) * norm;
    const vNorm2 = v.reduce((s, x) => s + x * x, 0);
    reflectors.push(v);
    if (vNorm2 === 0) continue;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * at(r, i, j);
      const f = (2 * dot) / vNorm2;
      for (let i = k; i < m; i++) r.data[i * n + j]! -= f * v[i - k]!;
    }
  }
  // Q = H0 H1 ... H(n-1) applied to the first n columns of the identity.
  const q = matrix(m, n);
  for (let j = 0; j < n; j++) q.data[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = reflectors[k]!;
    const vNorm2 = v.reduce((s, x) => s + x * x, 0);
    if (vNorm2 === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * at(q, i, j);
      const f = (2 * dot) / vNorm2;
      for (let i = k; i < m; i++) q.data[i * n + j]! -= f * v[i - k]!;
    }
  }
  const upper = matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) upper.data[i * n + j] = at(r, i, j);
  return { q, r: upper };
}

/** Reduced QR decomposition (float64): A = Q R. */
export function qr(a: Tensor): { q: Tensor; r: Tensor } {
  const { q, r } = qrMatrix(toMatrix('qr', a));
  return { q: fromMatrix(q), r: fromMatrix(r) };
}

/**
 * Least squares: the X minimising ‖A X − B‖_F for A with full column rank (m ≥ n), via QR:
 * R X = Qᵀ B. Throws for a rank-deficient A (use pinv(A) @ B then).
 */
export function lstsq(a: Tensor, b: Tensor): Tensor {
  const am = toMatrix('lstsq', a);
  const bm = toMatrix('lstsq', b);
  if (bm.rows !== am.rows) throw shapeError('lstsq', `A is [${am.rows}, ${am.cols}] but B has ${bm.rows} rows`);
  const { q, r } = qrMatrix(am, 'lstsq');
  const n = am.cols;
  const w = bm.cols;
  const diagMax = Array.from({ length: n }, (_, i) => Math.abs(at(r, i, i))).reduce((x, y) => Math.max(x, y), 0);
  const x = matrix(n, w);
  for (let c = 0; c < w; c++) {
    for (let i = n - 1; i >= 0; i--) {
      let s = 0;
      for (let k = 0; k < am.rows; k++) s += at(q, k, i) * at(bm, k, c); // (Qᵀ B)[i, c]
      for (let k = i + 1; k < n; k++) s -= at(r, i, k) * x.data[k * w + c]!;
      const d = at(r, i, i);
      if (Math.abs(d) <= Math.max(am.rows, n) * EPSILON * diagMax) {
        throw new Error(`lstsq: matrix is rank deficient (R[${i}, ${i}] ≈ 0); use pinv(A) @ B`);
      }
      x.data[i * w + c] = s / d;
    }
  }
  return fromMatrix(x, b.rank === 1);
}
