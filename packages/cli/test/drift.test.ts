/**
 * The words compare uses for Figure 3's claim ("the distributions drift toward Gaussian") come
 * from the start and end KS distances (drift.ts); synthetic distributions pin each outcome.
 */
import { describe, expect, it } from 'vitest';
import { distributionDrift } from '../src/report/drift.js';
import type { AdapterDistributions, FactorDistribution } from '../src/training/distributions.js';

const factor = (ksGaussian: number | null, n = 10_000, mean = 0): FactorDistribution => ({
  n,
  mean,
  sd: ksGaussian === null ? 0 : 1,
  excessKurtosis: ksGaussian === null ? null : -1.2,
  ksGaussian,
  histogram: { lo: 0, hi: 0, counts: [] },
});
/** Two module kinds with the given A and B KS distances. */
const kinds = (a: [number | null, number | null], b: [number | null, number | null]): AdapterDistributions => ({
  c_attn: { A: factor(a[0]), B: factor(b[0]) },
  'mlp.c_proj': { A: factor(a[1]), B: factor(b[1]) },
});

describe('distributionDrift', () => {
  it('A whose KS falls in every module kind drifts toward Gaussian', () => {
    const [a] = distributionDrift('LoRA', {
      start: kinds([0.057, 0.057], [null, null]),
      end: kinds([0.03, 0.005], [0.1, 0.1]),
    });
    expect(a!.outcome).toBe('toward Gaussian');
    expect(a!.sentence).toMatch(/^LoRA: A's KS distance to its fitted Gaussian falls in 2 of 2 module kinds/);
    // Lilliefors at n = 10,000: 0.00886 — only mlp.c_proj's 0.005 is below it
    expect(a!.kinds.map((k) => k.gaussianLikeEnd)).toEqual([false, true]);
    expect(a!.sentence).toContain('1 of 2 module kinds end Gaussian-like');
  });

  it('partly, or away, when it falls in some or none', () => {
    const start = kinds([0.057, 0.057], [null, null]);
    expect(distributionDrift('m', { start, end: kinds([0.03, 0.06], [0.1, 0.1]) })[0]!.outcome).toBe(
      'partly toward Gaussian',
    );
    expect(distributionDrift('m', { start, end: kinds([0.06, 0.07], [0.1, 0.1]) })[0]!.outcome).toBe(
      'away from Gaussian',
    );
  });

  it('a factor that does not move is frozen; B from 0 is judged at the end only', () => {
    const start = kinds([0.057, 0.02], [null, null]);
    const [a, b] = distributionDrift('LoRA-FA', { start, end: kinds([0.057, 0.02], [0.001, 0.05]) });
    expect(a!.outcome).toBe('frozen');
    expect(b!.outcome).toBe('starts at 0');
    expect(b!.sentence).toMatch(/^LoRA-FA: B starts at 0; 1 of 2 module kinds end Gaussian-like/);
  });

  it('says nothing for a run that stopped before its end', () => {
    expect(distributionDrift('m', { start: kinds([0.05, 0.05], [null, null]), end: null })).toEqual([]);
  });
});
