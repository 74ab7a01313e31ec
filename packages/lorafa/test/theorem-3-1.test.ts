/**
 * Theorem 3.1 (what a frozen A0 can express) and Appendix A.1 Part II (how much a random A0
 * loses), through the library's projection `projectOntoFrozenA` — the Gram solve the correction
 * uses — on factors B*, A* from a real LoRA training run. docs/theory.md states and derives both.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { LoraFAOptimizer, projectOntoFrozenA, residualOutsideRowSpace } from '@lorafa/lorafa';
import { relativeError } from '../../../test/support/matchers.js';
import type { AdaptedProblem } from './support/models.js';
import { adaptedProblem, f64, frobenius, rowSpaceProjector } from './support/models.js';

const SEED = 11;
const RANK = 2;
const snapshot = (t: T.Tensor) => T.fromFlat(Float64Array.from(t.dataSync()), t.shape, { dtype: 'float64' });

/** LoRA trained for 40 SGD steps on a small MLP: its initial A0 and trained B*, A* per layer. */
function trainLora(): { lora: AdaptedProblem; a0: Map<string, T.Tensor>; losses: number[] } {
  const lora = adaptedProblem('lora', SEED, { rank: RANK, sizes: [6, 8, 3] });
  const a0 = new Map(lora.adapters.map((ad) => [ad.name, snapshot(ad.A.value)]));
  const optimizer = new LoraFAOptimizer(lora.adapters, [], { lr: 0.05, algorithm: 'sgd' });
  const losses: number[] = [];
  for (let step = 0; step < 40; step++) {
    optimizer.zeroGrad();
    const loss = lora.loss();
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  return { lora, a0, losses };
}

describe('Theorem 3.1 (a LoRA update seen through a frozen A0), on factors from a LoRA training run', () => {
  let trained: ReturnType<typeof trainLora>;
  beforeAll(() => {
    trained = trainLora();
  });

  it('the run trained both factors: the loss fell and A* moved away from A0', () => {
    expect(trained.losses.at(-1)!).toBeLessThan(0.9 * trained.losses[0]!);
    for (const ad of trained.lora.adapters) {
      expect(relativeError(ad.A.value.dataSync(), trained.a0.get(ad.name)!.dataSync())).toBeGreaterThan(1e-2);
    }
  });

  it('if A* = M A0, B′ = B* M reproduces B* A* exactly — and a LoRA-FA model with (A0, B′) computes what LoRA with (M A0, B*) computes', () => {
    // M is built from the trained A*: its coordinates in A0's row space, so M A0 is A*'s part there.
    const fa = adaptedProblem('lora-fa', SEED, { rank: RANK, sizes: [6, 8, 3] }); // same W0, biases, A0 (same seeds)
    for (const [i, ad] of trained.lora.adapters.entries()) {
      const a0 = trained.a0.get(ad.name)!;
      expect(fa.adapters[i]!.A.value.dataSync()).toEqual(a0.dataSync());
      const m = projectOntoFrozenA(ad.A.value, a0);
      const aStar = T.matmul(m, a0);
      const bStar = ad.B.value;
      const target = T.matmul(bStar, aStar);
      const bPrime = projectOntoFrozenA(target, a0);
      expect(relativeError(bPrime.dataSync(), T.matmul(bStar, m).dataSync())).toBeLessThan(1e-10);
      expect(relativeError(T.matmul(bPrime, a0).dataSync(), target.dataSync())).toBeLessThan(1e-12);
      ad.A.assign(aStar);
      fa.adapters[i]!.B.assign(bPrime);
    }
    const yLora = A.noGrad(() => trained.lora.model.call(trained.lora.x)).value;
    const yFa = A.noGrad(() => fa.model.call(fa.x)).value;
    expect(relativeError(yFa.dataSync(), yLora.dataSync())).toBeLessThan(1e-12);
  });
});

describe('Theorem 3.1, otherwise: B′ = B* A* A0ᵀ(A0A0ᵀ)⁻¹ is the least-squares optimum of ‖B A0 − B* A*‖_F', () => {
  it('on the trained factors: normal equations, an independent least-squares solve, no better perturbation, and a residual orthogonal to A0’s rows', () => {
    const { lora, a0 } = trainLora();
    const rng = new T.Rng(5);
    for (const ad of lora.adapters) {
      const frozen = a0.get(ad.name)!;
      const target = T.matmul(ad.B.value, ad.A.value); // B* A*, A* outside A0's row space
      const bPrime = projectOntoFrozenA(target, frozen);
      const residual = residualOutsideRowSpace(target, frozen);
      expect(relativeError(residual.dataSync(), T.sub(target, T.matmul(bPrime, frozen)).dataSync())).toBeLessThan(
        1e-14,
      );
      expect(frobenius(residual)).toBeGreaterThan(1e-3 * frobenius(target)); // not trivially exact
      expect(frobenius(T.matmul(residual, frozen.transpose()))).toBeLessThan(
        1e-12 * frobenius(target) * frobenius(frozen),
      );
      const lstsq = T.linalg.lstsq(frozen.transpose(), target.transpose()).transpose();
      expect(relativeError(bPrime.dataSync(), lstsq.dataSync())).toBeLessThan(1e-10);
      const expectedResidual = T.sub(target, T.matmul(target, rowSpaceProjector(frozen)));
      expect(relativeError(residual.dataSync(), expectedResidual.dataSync())).toBeLessThan(1e-10);
      const best = frobenius(residual);
      for (let trial = 0; trial < 5; trial++) {
        const e = T.mul(T.randn(bPrime.shape, f64(rng)), 1e-4 * frobenius(bPrime));
        expect(frobenius(T.sub(T.matmul(T.add(bPrime, e), frozen), target))).toBeGreaterThan(best);
      }
    }
  });

  it('rejects a target whose input dimension differs from A0’s, naming both shapes', () => {
    expect(() => projectOntoFrozenA(T.zeros([3, 5]), T.zeros([2, 4]))).toThrow(
      /projectOntoFrozenA: target \[3, 5\] and frozen A0 \[2, 4\] do not share the input dimension/,
    );
  });
});

describe('Appendix A.1 Part II (the expected loss of expressiveness with a random frozen A0)', () => {
  it('E‖residualOutsideRowSpace(A*, A0)‖²_F = r(d − r) for Gaussian A0 and A*, within 5 standard errors', () => {
    // Each row of A*(I − P) is a standard Gaussian projected onto a (d − r)-dimensional
    // subspace, so the squared norm is χ² with r(d − r) degrees of freedom: mean r(d − r),
    // variance 2r(d − r). The mean of n samples has standard error √(2r(d − r)/n).
    const rng = new T.Rng(2024);
    for (const [r, d] of [
      [2, 6],
      [3, 10],
    ] as const) {
      const n = 1000;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const loss = residualOutsideRowSpace(T.randn([r, d], f64(rng)), T.randn([r, d], f64(rng)));
        total += frobenius(loss) ** 2;
      }
      const expected = r * (d - r);
      expect(Math.abs(total / n - expected)).toBeLessThan(5 * Math.sqrt((2 * r * (d - r)) / n));
    }
  });
});
