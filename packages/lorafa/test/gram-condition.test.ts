/**
 * The condition number GramSolver reports (and switches to pinv on) is the exact κ = λ_max/λ_min
 * of the r x r Gram matrix, checked against matrices built with known eigenvalues.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { correctA, correctB, GramSolver, gramCondition, projectOntoFrozenA } from '@lorafa/lorafa';
import { seedArb } from '../../../test/support/arbitraries.js';

/** G = Q diag(λ) Qᵀ with Q a random orthogonal matrix (QR of a Gaussian): its eigenvalues are λ. */
function withEigenvalues(eigenvalues: readonly number[], seed: number): T.Tensor {
  const r = eigenvalues.length;
  const { q } = T.linalg.qr(T.randn([r, r], { dtype: 'float64', rng: new T.Rng(seed) }));
  const scaled = T.mul(q, T.tensor([eigenvalues as number[]], { dtype: 'float64' })); // Q diag(λ)
  return T.matmul(scaled, q.transpose());
}

/** Eigenvalues spread log-uniformly over [1, 10^decades], the extremes always included. */
const spectrumArb = fc
  .record({
    r: fc.integer({ min: 2, max: 6 }),
    decades: fc.double({ min: 0, max: 10, noNaN: true }),
    scale: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    inner: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
    seed: seedArb,
  })
  .map(({ r, decades, scale, inner, seed }) => ({
    eigenvalues: [0, 1, ...inner.slice(0, r - 2)].map((u) => scale * 10 ** (u * decades)),
    kappa: 10 ** decades,
    seed,
  }));

describe('gramCondition (exact κ of a symmetric positive definite r x r matrix)', () => {
  it('equals λ_max / λ_min for matrices built with known eigenvalues, up to κ = 10¹⁰', () => {
    fc.assert(
      fc.property(spectrumArb, ({ eigenvalues, kappa, seed }) => {
        const gram = withEigenvalues(eigenvalues, seed);
        // Forming G rounds its entries by ε·λ_max, which moves λ_min by as much: relative error ≲ r·ε·κ.
        const tolerance = 1e-9 + 64 * 2 ** -52 * kappa;
        expect(Math.abs(gramCondition(gram) / kappa - 1)).toBeLessThan(tolerance);
        expect(GramSolver.of(gram, {}).condition).toBe(gramCondition(gram));
      }),
      { numRuns: 200 },
    );
  });

  it('is 1 for multiples of the identity, ∞ for a singular matrix, and rejects non-square input', () => {
    expect(gramCondition(T.mul(T.eye(3, 3, { dtype: 'float64' }), 7))).toBeCloseTo(1, 14);
    expect(gramCondition(T.zeros([2, 2], { dtype: 'float64' }))).toBe(Infinity);
    expect(
      gramCondition(
        T.tensor(
          [
            [4, 0],
            [0, 1],
          ],
          { dtype: 'float64' },
        ),
      ),
    ).toBe(4);
    expect(() => gramCondition(T.zeros([2, 3]))).toThrow(/gramCondition: expected a square matrix, got \[2, 3\]/);
  });

  it('is κ(A)² for G = A Aᵀ (GramSolver.forRows) and κ(B)² for Bᵀ B (forColumns)', () => {
    const a = T.tensor(
      [
        [3, 0, 0],
        [0, 0.5, 0],
      ],
      { dtype: 'float64' },
    );
    expect(GramSolver.forRows(a).condition).toBeCloseTo(36, 10);
    expect(GramSolver.forColumns(a.transpose()).condition).toBeCloseTo(36, 10);
  });
});

describe('GramSolver switches to pinv on the exact κ', () => {
  // G = [[1, 1 − δ], [1 − δ, 1]] has eigenvalues 2 − δ and δ, so κ = (2 − δ)/δ. Its Cholesky
  // factor has diagonal 1 and √(2δ − δ²): the old estimate (max/min diagonal)² = 1/(2δ − δ²)
  // is four times too small, and misses the limit 10¹² for δ between 5·10⁻¹³ and 2·10⁻¹².
  const gram = (delta: number) =>
    T.tensor(
      [
        [1, 1 - delta],
        [1 - delta, 1],
      ],
      { dtype: 'float64' },
    );

  it('κ ≈ 1.3·10¹² (estimate 3.3·10¹¹): pinv, with a warning that names the layer and κ', () => {
    const warn = vi.fn();
    const solver = GramSolver.of(gram(1.5e-12), { name: 'fc.exact-kappa', warn });
    expect(solver.method).toBe('pinv');
    expect(solver.condition / ((2 - 1.5e-12) / 1.5e-12) - 1).toBeLessThan(1e-3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/fc\.exact-kappa: the 2x2 Gram matrix .*condition number 1\.3e\+12/);
  });

  it('κ ≈ 2·10¹¹: Cholesky, and the inverse is accurate to κ·ε', () => {
    const solver = GramSolver.of(gram(1e-11), { name: 'fc.below-limit', warn: vi.fn() });
    expect(solver.method).toBe('cholesky');
    expect(solver.condition / ((2 - 1e-11) / 1e-11) - 1).toBeLessThan(1e-3);
    const residual = T.sub(solver.solveLeft(gram(1e-11)), T.eye(2, 2, { dtype: 'float64' }));
    expect(T.max(T.abs(residual)).item()).toBeLessThan(100 * solver.condition * 2 ** -52);
  });

  it('peftCompatible (pinvRidge) still reports the exact κ', () => {
    const solver = GramSolver.of(gram(0.5), { pinvRidge: 1e-8 });
    expect(solver.method).toBe('pinv');
    expect(solver.condition).toBeCloseTo(3, 12); // (2 − 0.5) / 0.5
  });
});

describe('GramSolver edge cases and argument checks', () => {
  const f64 = { dtype: 'float64' as const };

  it('falls back to pinv(G + δI) when Cholesky fails below the κ limit (an indefinite G), warning for an unnamed layer', () => {
    const warn = vi.fn();
    const solver = GramSolver.of(
      T.tensor(
        [
          [1, 2],
          [2, 1],
        ],
        f64,
      ),
      { warn },
    ); // eigenvalues 3 and −1: κ = 3
    expect(solver.method).toBe('pinv');
    expect(solver.condition).toBeCloseTo(3, 12);
    expect(warn.mock.calls[0]![0]).toMatch(/LoRA-FA correction for <unnamed layer>: the 2x2 Gram matrix/);
  });

  it('the fallback ridge is δ = ridge · mean diagonal of G (1 when the diagonal is 0)', () => {
    const quiet = { warn: vi.fn(), name: 'fc.ridge' };
    // G = diag(4·10⁶, 0): mean diagonal 2·10⁶, δ = 10⁻⁸ · 2·10⁶ = 0.02, so (G + δI)⁻¹ = diag(1/(4·10⁶ + 0.02), 50).
    const inverse = GramSolver.of(
      T.tensor(
        [
          [4e6, 0],
          [0, 0],
        ],
        f64,
      ),
      quiet,
    ).solveLeft(T.eye(2, 2, f64));
    expect(inverse.dataSync()[3]).toBeCloseTo(50, 6);
    expect(inverse.dataSync()[0]).toBeCloseTo(1 / (4e6 + 0.02), 18);
    const ridged = GramSolver.of(
      T.tensor(
        [
          [4e6, 0],
          [0, 0],
        ],
        f64,
      ),
      { ...quiet, ridge: 1e-6 },
    );
    expect(ridged.solveLeft(T.eye(2, 2, f64)).dataSync()[3]).toBeCloseTo(0.5, 8); // δ = 2
    // G = 0: δ = 10⁻⁸ · 1, so the "inverse" is 10⁸ I.
    const zero = GramSolver.of(T.zeros([2, 2], f64), quiet).solveLeft(T.eye(2, 2, f64));
    expect(Array.from(zero.dataSync()).map((v) => v / 1e8)).toEqual([expect.closeTo(1, 6), 0, 0, expect.closeTo(1, 6)]);
  });

  it('gramCondition rejects a batch of square matrices by its own name', () => {
    expect(() => gramCondition(T.zeros([2, 2, 2]))).toThrow(/gramCondition: expected a square matrix, got \[2, 2, 2\]/);
  });

  it('correctB and correctA reject gradients or frozen factors that are not matrices, naming themselves', () => {
    const solver = GramSolver.of(T.eye(2, 2, f64), {});
    const a = T.randn([2, 5], f64);
    // Each of these would broadcast through the batched matmul if it were not rejected.
    expect(() => correctB(T.ones([3, 2, 2], f64), a, 1, solver)).toThrow(
      /correctB: gradient \[3, 2, 2\] and frozen matrix \[2, 5\] do not share the rank dimension/,
    );
    expect(() => correctB(T.ones([3, 2], f64), T.ones([2, 2, 5], f64), 1, solver)).toThrow(
      /correctB: gradient \[3, 2\] and frozen matrix \[2, 2, 5\]/,
    );
    expect(() => correctA(T.ones([2, 2, 7], f64), T.ones([4, 2], f64), 1, solver)).toThrow(
      /correctA: gradient \[2, 2, 7\] and frozen matrix \[4, 2\] do not share the rank dimension/,
    );
    expect(() => correctA(T.ones([2, 7], f64), T.ones([4, 2], f64), -1, solver)).toThrow(
      /correctA: scaling must be positive, got -1/,
    );
  });

  it('projectOntoFrozenA rejects a target or A0 that is not a matrix', () => {
    const solver = GramSolver.of(T.eye(2, 2, f64), {});
    expect(() => projectOntoFrozenA(T.ones([2, 5, 5], f64), T.ones([2, 5], f64), solver)).toThrow(
      /projectOntoFrozenA: target \[2, 5, 5\] and frozen A0 \[2, 5\]/,
    );
    expect(() => projectOntoFrozenA(T.ones([3, 2], f64), T.ones([2, 2, 5], f64), solver)).toThrow(
      /projectOntoFrozenA: target \[3, 2\] and frozen A0 \[2, 2, 5\]/,
    );
  });
});
