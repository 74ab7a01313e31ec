/**
 * Theorems 4.1 and A.1 as properties of the correction functions themselves (float64,
 * fast-check), on random matrices: the least-squares statements in isolation. The same theorems
 * on the LoRA-FA op's real gradients and the optimizer are in theorem-4-1-optimizer.test.ts,
 * Theorem 3.1 and Part II in theorem-3-1.test.ts; docs/theory.md derives them.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { correctA, correctB } from '@lorafa/lorafa';
import { seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

const f64 = (rng: T.Rng) => ({ dtype: 'float64' as const, rng });
const frobenius = (t: T.Tensor) => Math.sqrt(T.sum(T.mul(t, t)).item());
const inner = (a: T.Tensor, b: T.Tensor) => T.sum(T.mul(a, b)).item();
/** σ_max / σ_min of a full-rank matrix. */
const condition = (t: T.Tensor) => {
  const sv = T.linalg.svd(t).s.dataSync();
  return sv[0]! / sv[sv.length - 1]!;
};
/**
 * The tolerances below hold for well-conditioned factors. A square Gaussian matrix is now and
 * then nearly singular (κ ≈ 2·10⁴ for r = 4, seed 3), and the Gram solve then loses κ² in
 * accuracy, as any solver must: such draws are outside these properties (fc.pre skips them).
 */
const WELL_CONDITIONED = 1e3;

/** r ≤ d, a positive scaling, and a seed: Gaussian matrices of these sizes have full rank. */
const problemArb = fc.record({
  r: fc.integer({ min: 1, max: 4 }),
  extra: fc.integer({ min: 0, max: 5 }),
  m: fc.integer({ min: 1, max: 5 }),
  s: fc.double({ min: 0.1, max: 4, noNaN: true }),
  seed: seedArb,
});

describe('Theorem 4.1 (LoRA-FA: the corrected B-gradient is the least-squares projection of the full gradient)', () => {
  it('X = correctB(s g Aᵀ, A, s) solves the normal equations, is a minimum, matches least squares, and is a descent direction', () => {
    fc.assert(
      fc.property(problemArb, ({ r, extra, m, s, seed }) => {
        const rng = new T.Rng(seed);
        const d = r + extra;
        const a = T.randn([r, d], f64(rng));
        fc.pre(condition(a) < WELL_CONDITIONED);
        const g = T.randn([m, d], f64(rng));
        const gB = T.mul(T.matmul(g, a.transpose()), s); // LoRA-FA's raw gradient of B
        const x = correctB(gB, a, s);
        const residual = T.sub(T.mul(T.matmul(x, a), s), g); // s X A − g
        // Normal equations (s X A − g) Aᵀ = 0, relative to the size of g Aᵀ.
        expect(frobenius(T.matmul(residual, a.transpose()))).toBeLessThan(1e-10 * (1 + frobenius(g) * frobenius(a)));
        // No random perturbation lowers the residual.
        const best = frobenius(residual);
        for (let trial = 0; trial < 5; trial++) {
          const e = T.mul(T.randn([m, r], f64(rng)), 1e-3 * (1 + frobenius(x)));
          expect(frobenius(T.sub(T.mul(T.matmul(T.add(x, e), a), s), g))).toBeGreaterThanOrEqual(
            best - 1e-12 * (1 + best),
          );
        }
        // An independent least-squares solve: (s Aᵀ) Xᵀ ≈ gᵀ.
        const lstsq = T.linalg.lstsq(T.mul(a.transpose(), s), g.transpose()).transpose();
        expect(relativeError(x.dataSync(), lstsq.dataSync())).toBeLessThan(1e-8);
        // The update s X A never points uphill: ⟨g, s X A⟩ = ‖s X A‖² ≥ 0.
        expect(inner(g, T.mul(T.matmul(x, a), s))).toBeGreaterThanOrEqual(-1e-12);
      }),
      { numRuns: 100 },
    );
  });
});

describe('Theorem A.1 (LoRA-FB: the corrected A-gradient, with B frozen)', () => {
  it('Y = correctA(s Bᵀ g, B, s) solves Bᵀ(s B Y − g) = 0, is a minimum, matches least squares, and is a descent direction', () => {
    fc.assert(
      fc.property(problemArb, ({ r, extra, m, s, seed }) => {
        const rng = new T.Rng(seed);
        const rows = r + extra; // B is rows x r with full column rank
        const b = T.randn([rows, r], f64(rng));
        fc.pre(condition(b) < WELL_CONDITIONED);
        const g = T.randn([rows, m], f64(rng));
        const gA = T.mul(T.matmul(b.transpose(), g), s); // LoRA-FB's raw gradient of A
        const y = correctA(gA, b, s);
        const residual = T.sub(T.mul(T.matmul(b, y), s), g);
        expect(frobenius(T.matmul(b.transpose(), residual))).toBeLessThan(1e-10 * (1 + frobenius(g) * frobenius(b)));
        const best = frobenius(residual);
        for (let trial = 0; trial < 5; trial++) {
          const e = T.mul(T.randn([r, m], f64(rng)), 1e-3 * (1 + frobenius(y)));
          expect(frobenius(T.sub(T.mul(T.matmul(b, T.add(y, e)), s), g))).toBeGreaterThanOrEqual(
            best - 1e-12 * (1 + best),
          );
        }
        const lstsq = T.linalg.lstsq(T.mul(b, s), g);
        expect(relativeError(y.dataSync(), lstsq.dataSync())).toBeLessThan(1e-8);
        expect(inner(g, T.mul(T.matmul(b, y), s))).toBeGreaterThanOrEqual(-1e-12);
      }),
      { numRuns: 100 },
    );
  });
});
