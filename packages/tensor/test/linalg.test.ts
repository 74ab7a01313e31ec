import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

const { linalg } = T;
const f64 = { dtype: 'float64' as const };
const gaussian = (shape: number[], seed: number) => T.randn(shape, { ...f64, rng: new T.Rng(seed) });
const closeTo = (a: T.Tensor, b: T.Tensor, tolerance: number) => {
  expect(a.shape).toEqual(b.shape);
  expect(relativeError(a.dataSync(), b.dataSync())).toBeLessThan(tolerance);
};
/** A well-conditioned SPD matrix: M Mᵀ + n I. */
const spd = (n: number, seed: number) => {
  const m = gaussian([n, n], seed);
  return T.add(T.matmul(m, m.transpose()), T.mul(T.eye(n, n, f64), n));
};
const sizeArb = fc.integer({ min: 1, max: 8 });

describe('cholesky, choleskySolve, spdInverse', () => {
  it('L Lᵀ = A with L lower triangular (property)', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (n, seed) => {
        const a = spd(n, seed);
        const l = linalg.cholesky(a);
        closeTo(T.matmul(l, l.transpose()), a, 1e-13);
        const values = l.arraySync() as number[][];
        values.forEach((row, i) => row.forEach((v, j) => j > i && expect(v).toBe(0)));
      }),
      { numRuns: 50 },
    );
  });

  it('A inv(A) = I and choleskySolve solves A X = B (property)', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (n, seed) => {
        const a = spd(n, seed);
        closeTo(T.matmul(a, linalg.spdInverse(a)), T.eye(n, n, f64), 1e-12);
        const b = gaussian([n, 3], seed + 1);
        const x = linalg.choleskySolve(linalg.cholesky(a), b);
        closeTo(T.matmul(a, x), b, 1e-12);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() =>
      linalg.cholesky(
        T.tensor(
          [
            [1, 2],
            [2, 1],
          ],
          f64,
        ),
      ),
    ).toThrow(linalg.NotPositiveDefiniteError);
    expect(() => linalg.cholesky(T.zeros([2, 3], f64))).toThrow(/cholesky: expected a square matrix, got \[2, 3\]/);
  });
});

describe('solve', () => {
  it('solves general square systems (property)', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (n, seed) => {
        const a = T.add(gaussian([n, n], seed), T.mul(T.eye(n, n, f64), 3 * n));
        const b = gaussian([n], seed + 2);
        const x = linalg.solve(a, b);
        expect(x.shape).toEqual([n]);
        closeTo(T.matmul(a, x.reshape([n, 1])).reshape([n]), b, 1e-12);
      }),
      { numRuns: 50 },
    );
  });

  it('pivots when the leading entry is zero and refuses singular matrices', () => {
    const x = linalg.solve(
      T.tensor(
        [
          [0, 1],
          [1, 0],
        ],
        f64,
      ),
      T.tensor([2, 3], f64),
    );
    expect(x.arraySync()).toEqual([3, 2]);
    expect(() =>
      linalg.solve(
        T.tensor(
          [
            [1, 2],
            [2, 4],
          ],
          f64,
        ),
        T.tensor([1, 1], f64),
      ),
    ).toThrow(/solve: matrix is singular/);
  });
});

describe('qr and lstsq', () => {
  const tallArb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 4 }), seedArb);
  it('Q R = A, QᵀQ = I, R upper triangular (property)', () => {
    fc.assert(
      fc.property(tallArb, ([n, extra, seed]) => {
        const a = gaussian([n + extra, n], seed);
        const { q, r } = linalg.qr(a);
        closeTo(T.matmul(q, r), a, 1e-13);
        closeTo(T.matmul(q.transpose(), q), T.eye(n, n, f64), 1e-13);
        (r.arraySync() as number[][]).forEach((row, i) => row.forEach((v, j) => j < i && expect(v).toBe(0)));
      }),
      { numRuns: 50 },
    );
  });

  it('least squares equals the normal-equations solution on well-conditioned problems (property)', () => {
    fc.assert(
      fc.property(tallArb, ([n, extra, seed]) => {
        const a = gaussian([n + extra + 1, n], seed);
        const b = gaussian([n + extra + 1, 2], seed + 3);
        const x = linalg.lstsq(a, b);
        const normal = linalg.solve(T.matmul(a.transpose(), a), T.matmul(a.transpose(), b));
        closeTo(x, normal, 1e-9);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a rank-deficient least-squares problem', () => {
    expect(() =>
      linalg.lstsq(
        T.tensor(
          [
            [1, 2],
            [2, 4],
            [3, 6],
          ],
          f64,
        ),
        T.tensor([1, 2, 3], f64),
      ),
    ).toThrow(/lstsq: matrix is rank deficient/);
  });
});

describe('svd and pinv', () => {
  const matrixArb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), seedArb);

  it('A = U diag(S) Vᵀ with orthonormal U, V and descending S (property)', () => {
    fc.assert(
      fc.property(matrixArb, ([m, n, seed]) => {
        const a = gaussian([m, n], seed);
        const { u, s, v } = linalg.svd(a);
        closeTo(T.matmul(T.mul(u, s), v.transpose()), a, 1e-12);
        const k = Math.min(m, n);
        closeTo(T.matmul(u.transpose(), u), T.eye(k, k, f64), 1e-12);
        closeTo(T.matmul(v.transpose(), v), T.eye(k, k, f64), 1e-12);
        const values = [...s.dataSync()];
        expect(values).toEqual([...values].sort((x, y) => y - x));
      }),
      { numRuns: 50 },
    );
  });

  it('pinv satisfies the four Moore–Penrose conditions, also for rank-deficient A (property)', () => {
    fc.assert(
      fc.property(matrixArb, fc.integer({ min: 1, max: 6 }), ([m, n, seed], rank) => {
        // A = L R has rank ≤ min(rank, m, n): deficient whenever rank < min(m, n).
        const a = T.matmul(gaussian([m, rank], seed), gaussian([rank, n], seed + 9));
        const p = linalg.pinv(a);
        const ap = T.matmul(a, p);
        const pa = T.matmul(p, a);
        closeTo(T.matmul(ap, a), a, 1e-10); // A A⁺ A = A
        closeTo(T.matmul(pa, p), p, 1e-10); // A⁺ A A⁺ = A⁺
        closeTo(ap.transpose(), ap, 1e-10); // (A A⁺)ᵀ = A A⁺
        closeTo(pa.transpose(), pa, 1e-10); // (A⁺ A)ᵀ = A⁺ A
      }),
      { numRuns: 60 },
    );
  });

  it('pinv of the zero matrix is zero', () => {
    expect(linalg.pinv(T.zeros([2, 3], f64)).arraySync()).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });
});
