/**
 * Theorems 4.1 and A.1 on the real path: the gradient the LoRA-FA op's backward produces, corrected
 * by LoraFAOptimizer, against dW from a full fine-tuning backward of the same model (an MLP with
 * batch and sequence dimensions). The optimizer runs plain SGD, p ← p − η·g, so one step reveals
 * the gradient it used: g = (p_before − p_after) / η. docs/theory.md derives each statement.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { correctB, LoraFAOptimizer } from '@lorafa/lorafa';
import type { LoraAdapter } from '@lorafa/lorafa';
import { seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';
import type { AdaptedProblem } from './support/models.js';
import {
  adaptedLayer,
  adaptedProblem,
  f64,
  frobenius,
  fullFineTuningGradients,
  rowSpaceProjector,
} from './support/models.js';

/** A copy that outlives the parameter's next assign (which may recycle its storage). */
const snapshot = (t: T.Tensor) => T.fromFlat(Float64Array.from(t.dataSync()), t.shape, { dtype: 'float64' });
const effectiveWeight = (p: AdaptedProblem, name: string) => {
  const layer = adaptedLayer(p.model, name);
  return snapshot(T.add(layer.base.weight.value, layer.delta()));
};

/** One SGD step of LoraFAOptimizer; returns the gradient each trained factor moved along. */
function sgdStep(p: AdaptedProblem, options: { lr: number; correction?: boolean }): Map<string, T.Tensor> {
  const trained = (ad: LoraAdapter) => (ad.method === 'lora-fb' ? ad.A : ad.B);
  const before = new Map(p.adapters.map((ad) => [ad.name, snapshot(trained(ad).value)]));
  const optimizer = new LoraFAOptimizer(p.adapters, [], { ...options, algorithm: 'sgd' });
  optimizer.zeroGrad();
  p.loss().backward();
  optimizer.step();
  return new Map(p.adapters.map((ad) => [ad.name, T.div(T.sub(before.get(ad.name)!, trained(ad).value), options.lr)]));
}

/** A (r x d) = diag(σ) Qᵀ with Q's columns orthonormal: singular values σ, A Aᵀ = diag(σ²). */
function frozenWithSingularValues(sigma: readonly number[], d: number, rng: T.Rng): T.Tensor {
  const { q } = T.linalg.qr(T.randn([d, sigma.length], f64(rng)));
  return T.mul(T.fromFlat(sigma, [sigma.length, 1], { dtype: 'float64' }), q.transpose());
}

const optionsArb = fc.record({ seed: seedArb, rank: fc.integer({ min: 1, max: 3 }), alpha: fc.constantFrom(1, 4, 16) });

describe('Theorem 4.1 on the op’s gradient: the corrected dB minimises ‖s ΔB A − dW‖_F', () => {
  it('normal equations, no better perturbation, and an independent least-squares solve', () => {
    fc.assert(
      fc.property(optionsArb, ({ seed, rank, alpha }) => {
        const p = adaptedProblem('lora-fa', seed, { rank, alpha });
        const dW = fullFineTuningGradients(p);
        const corrected = sgdStep(p, { lr: 1 });
        const rng = new T.Rng(seed + 7);
        for (const ad of p.adapters) {
          const [a, s, g, x] = [ad.A.value, ad.scaling, dW.get(ad.name)!, corrected.get(ad.name)!];
          const residual = T.sub(T.mul(T.matmul(x, a), s), g); // s ΔB A − dW
          expect(frobenius(T.matmul(residual, a.transpose()))).toBeLessThan(1e-10 * frobenius(g) * frobenius(a));
          const best = frobenius(residual);
          for (let trial = 0; trial < 3; trial++) {
            const e = T.mul(T.randn(x.shape, f64(rng)), 1e-4 * frobenius(x));
            expect(frobenius(T.sub(T.mul(T.matmul(T.add(x, e), a), s), g))).toBeGreaterThan(best);
          }
          const lstsq = T.linalg.lstsq(T.mul(a.transpose(), s), g.transpose()).transpose();
          expect(relativeError(x.dataSync(), lstsq.dataSync())).toBeLessThan(1e-8);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('Theorem A.1 on the op’s gradient: LoRA-FB’s corrected dA minimises ‖s B ΔA − dW‖_F', () => {
  it('normal equations, no better perturbation, and an independent least-squares solve', () => {
    fc.assert(
      fc.property(optionsArb, ({ seed, rank, alpha }) => {
        const p = adaptedProblem('lora-fb', seed, { rank, alpha });
        const dW = fullFineTuningGradients(p);
        const corrected = sgdStep(p, { lr: 1 });
        const rng = new T.Rng(seed + 7);
        for (const ad of p.adapters) {
          const [b, s, g, y] = [ad.B.value, ad.scaling, dW.get(ad.name)!, corrected.get(ad.name)!];
          const residual = T.sub(T.mul(T.matmul(b, y), s), g); // s B ΔA − dW
          expect(frobenius(T.matmul(b.transpose(), residual))).toBeLessThan(1e-10 * frobenius(g) * frobenius(b));
          const best = frobenius(residual);
          for (let trial = 0; trial < 3; trial++) {
            const e = T.mul(T.randn(y.shape, f64(rng)), 1e-4 * frobenius(y));
            expect(frobenius(T.sub(T.mul(T.matmul(b, T.add(y, e)), s), g))).toBeGreaterThan(best);
          }
          const lstsq = T.linalg.lstsq(T.mul(b, s), g);
          expect(relativeError(y.dataSync(), lstsq.dataSync())).toBeLessThan(1e-8);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('Equivalence at one step: corrected LoRA-FA SGD moves W by the full-FT step projected onto A’s row space', () => {
  /** A problem whose frozen A of each layer has the given singular values. */
  const withFrozenA = (seed: number, sigma: (s: number) => number[]) => {
    const p = adaptedProblem('lora-fa', seed, { rank: 2, alpha: 4 });
    const rng = new T.Rng(seed + 3);
    for (const ad of p.adapters) ad.A.assign(frozenWithSingularValues(sigma(ad.scaling), ad.A.shape[1]!, rng));
    return p;
  };
  const stepOf = (p: AdaptedProblem, lr: number, correction: boolean) => {
    const before = new Map(p.adapters.map((ad) => [ad.name, effectiveWeight(p, ad.name)]));
    const dW = fullFineTuningGradients(p);
    sgdStep(p, { lr, correction });
    return p.adapters.map((ad) => ({
      ad,
      dW: dW.get(ad.name)!,
      change: T.sub(effectiveWeight(p, ad.name), before.get(ad.name)!),
    }));
  };
  const caseArb = fc.record({
    seed: seedArb,
    lr: fc.double({ min: 1e-3, max: 1, noNaN: true }),
    spread: fc.double({ min: 3, max: 100, noNaN: true }),
  });

  it('corrected: ΔW = −η · dW Aᵀ(AAᵀ)⁻¹A (P = A⁺A from the SVD); uncorrected: ΔW = −η s² dW AᵀA; they differ for anisotropic A', () => {
    fc.assert(
      fc.property(caseArb, ({ seed, lr, spread }) => {
        const sigma = () => [1, 1 / spread];
        const corrected = stepOf(withFrozenA(seed, sigma), lr, true);
        const uncorrected = stepOf(withFrozenA(seed, sigma), lr, false);
        corrected.forEach(({ ad, dW, change }, i) => {
          const a = ad.A.value;
          const best = T.mul(T.matmul(dW, rowSpaceProjector(a)), -lr);
          expect(relativeError(change.dataSync(), best.dataSync())).toBeLessThan(1e-10);
          const raw = T.mul(T.matmul(dW, T.matmul(a.transpose(), a)), -lr * ad.scaling ** 2);
          const other = uncorrected[i]!;
          expect(relativeError(other.change.dataSync(), raw.dataSync())).toBeLessThan(1e-10);
          expect(relativeError(other.change.dataSync(), best.dataSync())).toBeGreaterThan(0.05);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('when A Aᵀ = I / s² the uncorrected step is already the best one (and the correction changes nothing)', () => {
    fc.assert(
      fc.property(caseArb, ({ seed, lr }) => {
        const sigma = (s: number) => [1 / s, 1 / s];
        const corrected = stepOf(withFrozenA(seed, sigma), lr, true);
        const uncorrected = stepOf(withFrozenA(seed, sigma), lr, false);
        corrected.forEach(({ change }, i) =>
          expect(relativeError(uncorrected[i]!.change.dataSync(), change.dataSync())).toBeLessThan(1e-10),
        );
      }),
      { numRuns: 10 },
    );
  });
});

describe('Descent (Theorem 4.1 in practice): the corrected step lowers the loss at the predicted rate', () => {
  // To first order, a step ΔW_l = −η dW_l P_l lowers the loss by η Σ_l ⟨dW_l, dW_l P_l⟩ = η Σ_l ‖dW_l P_l‖².
  const ETA = 1e-6;
  const illConditioned = (seed: number, spread: number) => {
    const p = adaptedProblem('lora-fa', seed, { rank: 2, alpha: 4 });
    const rng = new T.Rng(seed + 3);
    for (const ad of p.adapters) ad.A.assign(frozenWithSingularValues([1, 1 / spread], ad.A.shape[1]!, rng));
    return p;
  };
  const predictedDecrease = (p: AdaptedProblem) => {
    const dW = fullFineTuningGradients(p);
    return p.adapters.reduce((sum, ad) => {
      const projected = T.matmul(dW.get(ad.name)!, rowSpaceProjector(ad.A.value));
      return sum + ETA * frobenius(projected) ** 2;
    }, 0);
  };

  it('LoraFAOptimizer (SGD, corrected): decrease = η Σ ‖dW P‖² to 10⁻³, with A’s Gram κ up to 10⁴', () => {
    fc.assert(
      fc.property(seedArb, fc.double({ min: 1, max: 100, noNaN: true }), (seed, spread) => {
        const p = illConditioned(seed, spread);
        const predicted = predictedDecrease(p);
        const before = p.loss().item();
        sgdStep(p, { lr: ETA });
        const decrease = before - p.loss().item();
        expect(decrease).toBeGreaterThan(0);
        expect(Math.abs(decrease / predicted - 1)).toBeLessThan(1e-3);
      }),
      { numRuns: 25 },
    );
  });

  it('tells a wrong correction apart: (AAᵀ)⁻² in place of (AAᵀ)⁻¹ misses the predicted decrease on ill-conditioned A', () => {
    fc.assert(
      fc.property(seedArb, fc.double({ min: 10, max: 100, noNaN: true }), (seed, spread) => {
        const p = illConditioned(seed, spread);
        const predicted = predictedDecrease(p);
        const before = p.loss();
        before.backward();
        for (const ad of p.adapters) {
          const once = correctB(ad.B.grad!, ad.A.value, ad.scaling); // g_B (AAᵀ)⁻¹ / s²
          const wrong = correctB(once, ad.A.value, 1); // g_B (AAᵀ)⁻² / s²
          ad.B.assign(T.sub(ad.B.value, T.mul(wrong, ETA)));
        }
        const decrease = before.item() - p.loss().item();
        expect(Math.abs(decrease / predicted - 1)).toBeGreaterThan(0.5);
      }),
      { numRuns: 15 },
    );
  });
});
