/**
 * The paper's theorems as properties (float64, fast-check). Each describe is named after the
 * theorem it checks; docs/theory.md derives them.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { Linear, Module, mseLoss } from '@lorafa/nn';
import type { Variable } from '@lorafa/autograd';
import { correctA, correctB, injectLora } from '@lorafa/lorafa';
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

describe('Theorem 3.1 (what a frozen A can express)', () => {
  it('if A* = M A0 with M invertible, B′ = B* M reproduces B* A* exactly (and the projection formula finds it)', () => {
    fc.assert(
      fc.property(problemArb, ({ r, extra, m, seed }) => {
        const rng = new T.Rng(seed);
        const d = r + extra;
        const a0 = T.randn([r, d], f64(rng));
        const mixing = T.add(T.randn([r, r], f64(rng)), T.mul(T.eye(r, r, { dtype: 'float64' }), 3)); // invertible
        fc.pre(condition(a0) < WELL_CONDITIONED && condition(mixing) < WELL_CONDITIONED);
        const aStar = T.matmul(mixing, a0);
        const bStar = T.randn([m, r], f64(rng));
        const target = T.matmul(bStar, aStar);
        const bPrime = T.matmul(bStar, mixing);
        expect(relativeError(T.matmul(bPrime, a0).dataSync(), target.dataSync())).toBeLessThan(1e-12);
        const projected = T.matmul(T.matmul(target, a0.transpose()), T.linalg.spdInverse(T.matmul(a0, a0.transpose())));
        expect(relativeError(projected.dataSync(), bPrime.dataSync())).toBeLessThan(1e-8);
      }),
      { numRuns: 100 },
    );
  });

  it('otherwise B′ = B* A* A0ᵀ (A0 A0ᵀ)⁻¹ is the least-squares optimum of ‖B A0 − B* A*‖', () => {
    fc.assert(
      fc.property(problemArb, ({ r, extra, m, seed }) => {
        const rng = new T.Rng(seed);
        const d = r + extra;
        const a0 = T.randn([r, d], f64(rng));
        fc.pre(condition(a0) < WELL_CONDITIONED);
        const target = T.matmul(T.randn([m, r], f64(rng)), T.randn([r, d], f64(rng))); // B* A*, A* unrelated to A0
        const bPrime = T.matmul(T.matmul(target, a0.transpose()), T.linalg.spdInverse(T.matmul(a0, a0.transpose())));
        const lstsq = T.linalg.lstsq(a0.transpose(), target.transpose()).transpose();
        expect(relativeError(bPrime.dataSync(), lstsq.dataSync())).toBeLessThan(1e-8);
        const best = frobenius(T.sub(T.matmul(bPrime, a0), target));
        const e = T.mul(T.randn([m, r], f64(rng)), 1e-3);
        expect(frobenius(T.sub(T.matmul(T.add(bPrime, e), a0), target))).toBeGreaterThanOrEqual(
          best - 1e-12 * (1 + best),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('Appendix A.1 Part II (the expected loss of expressiveness with a random frozen A0)', () => {
  it('E‖A* − A* A0ᵀ(A0 A0ᵀ)⁻¹A0‖²_F = r(d − r) for Gaussian A0 and A*, within 5 standard errors', () => {
    // Each row of A*(I − P) is a standard Gaussian projected onto a (d − r)-dimensional
    // subspace, so the squared norm is χ² with r(d − r) degrees of freedom: mean r(d − r),
    // variance 2r(d − r). The mean of n samples has standard error √(2r(d − r)/n).
    const rng = new T.Rng(2024);
    for (const [r, d] of [
      [2, 6],
      [3, 10],
    ] as const) {
      const n = 1500;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const a0 = T.randn([r, d], f64(rng));
        const aStar = T.randn([r, d], f64(rng));
        const projection = T.matmul(T.matmul(a0.transpose(), T.linalg.spdInverse(T.matmul(a0, a0.transpose()))), a0);
        const loss = T.sub(aStar, T.matmul(aStar, projection));
        total += T.sum(T.mul(loss, loss)).item();
      }
      const expected = r * (d - r);
      const standardError = Math.sqrt((2 * r * (d - r)) / n);
      expect(Math.abs(total / n - expected)).toBeLessThan(5 * standardError);
    }
  });
});

describe('Descent on a real model (Theorem 4.1 in practice)', () => {
  class Mlp extends Module {
    fc1: Linear;
    fc2: Linear;
    constructor(seed: number) {
      super();
      this.fc1 = this.registerModule('fc1', new Linear(6, 16, { dtype: 'float64', rng: new T.Rng(seed) }));
      this.fc2 = this.registerModule('fc2', new Linear(16, 3, { dtype: 'float64', rng: new T.Rng(seed + 1) }));
    }
    forward(x: Variable): Variable {
      return this.fc2.call(A.tanh(this.fc1.call(x)));
    }
  }

  it('a small SGD step along the corrected LoRA-FA gradient lowers an MLP’s loss', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const rng = new T.Rng(seed);
        const model = new Mlp(seed);
        const adapters = injectLora(model, { targets: ['fc1', 'fc2'], method: 'lora-fa', rank: 2, alpha: 4, seed });
        for (const ad of adapters) ad.B.assign(T.mul(T.randn(ad.B.shape, f64(rng)), 0.1));
        const x = A.variable(T.randn([8, 6], f64(rng)));
        const y = T.randn([8, 3], f64(rng));
        const loss = mseLoss(model.call(x), y);
        loss.backward();
        A.noGrad(() => {
          for (const ad of adapters)
            ad.B.assign(T.sub(ad.B.value, T.mul(correctB(ad.B.grad!, ad.A.value, ad.scaling), 1e-3)));
        });
        const after = A.noGrad(() => mseLoss(model.call(x), y)).item();
        expect(after).toBeLessThan(loss.item());
      }),
      { numRuns: 20 },
    );
  });
});
