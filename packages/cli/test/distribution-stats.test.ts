/**
 * The statistics behind issue 15 §4 (Figure 3): excess kurtosis of samples whose value is known
 * in closed form, and the Kolmogorov–Smirnov distance to the fitted Gaussian — small for a
 * Gaussian sample, 0.0572 for a uniform one (sup over x of |x − Φ((x − ½)·√12)| on [0, 1],
 * computed independently with Python's math.erfc on a grid of 2·10⁶ points: 0.057207).
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import {
  excessKurtosis,
  histogram,
  ksDistanceToFittedGaussian,
  lillieforsCritical,
  normalCdf,
} from '../src/report/distribution-stats.js';

/** n equally spaced points (i − ½)/n: a deterministic uniform sample on [0, 1]. */
const evenlySpaced = (n: number) => Array.from({ length: n }, (_, i) => (i + 0.5) / n);
const gaussianSample = (n: number, seed: number) => Array.from(T.randn([n], { rng: new T.Rng(seed) }).dataSync());

describe('excessKurtosis', () => {
  it('is −2 for two equally likely values', () => {
    expect(excessKurtosis([-1, 1, -1, 1, 3, -3, 3, -3].map((v) => v + 10))).toBeCloseTo(-2 + 0.64, 12);
    expect(excessKurtosis([5, 7, 5, 7])).toBeCloseTo(-2, 12);
  });

  it("is a discrete uniform's −6(n² + 1)/(5(n² − 1)) on n equally spaced points", () => {
    for (const n of [3, 10, 101])
      expect(excessKurtosis(evenlySpaced(n))).toBeCloseTo((-6 * (n * n + 1)) / (5 * (n * n - 1)), 10);
  });

  it('is near 0 for a large Gaussian sample', () => {
    expect(Math.abs(excessKurtosis(gaussianSample(200_000, 1))!)).toBeLessThan(0.05);
  });

  it('is undefined for a constant sample or a single value', () => {
    expect(excessKurtosis([0, 0, 0])).toBeNull();
    expect(excessKurtosis([1])).toBeNull();
  });
});

describe('ksDistanceToFittedGaussian', () => {
  it('is below Lilliefors’ 5 % critical value for a Gaussian sample', () => {
    const n = 20_000;
    for (const seed of [1, 2, 3]) {
      const sample = gaussianSample(n, seed).map((v) => 3 * v - 2); // any μ and σ: the Gaussian is fitted
      expect(ksDistanceToFittedGaussian(sample)).toBeLessThan(lillieforsCritical(n));
    }
  });

  it('is 0.0572 for a uniform sample', () => {
    expect(ksDistanceToFittedGaussian(evenlySpaced(100_000))).toBeCloseTo(0.057207, 4);
    expect(ksDistanceToFittedGaussian(evenlySpaced(100_000).map((v) => 5 * v - 1))).toBeCloseTo(0.057207, 4);
  });

  it('is undefined for a constant sample', () => {
    expect(ksDistanceToFittedGaussian([2, 2, 2])).toBeNull();
  });
});

describe('normalCdf', () => {
  it('matches Φ at known points to 1e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 7);
    expect(normalCdf(-Math.sqrt(3))).toBeCloseTo(0.04163225833177522, 7);
  });
});

describe('histogram', () => {
  it('counts every value in equal-width bins from the minimum to the maximum', () => {
    expect(histogram([0, 0.1, 0.5, 0.99, 1], 2)).toEqual({ lo: 0, hi: 1, counts: [2, 3] });
    expect(histogram([4, 4], 3)).toEqual({ lo: 4, hi: 4, counts: [2, 0, 0] });
    expect(() => histogram([1], 0)).toThrow(/bins must be a positive integer, got 0/);
  });
});
