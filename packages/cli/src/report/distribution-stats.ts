/**
 * Statistics of a sample of matrix entries (issue 15 §4, the paper's Figure 3): a histogram,
 * the excess kurtosis, and the Kolmogorov–Smirnov distance to the Gaussian fitted to the sample.
 * Pure functions over plain numbers.
 */

/** Equal-width bins from the sample's minimum to its maximum (`counts[i]` in [lo + i·w, lo + (i+1)·w)). */
export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
}

export function histogram(xs: ArrayLike<number>, bins: number): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram: bins must be a positive integer, got ${bins}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    lo = Math.min(lo, xs[i]!);
    hi = Math.max(hi, xs[i]!);
  }
  const counts = new Array<number>(bins).fill(0);
  if (xs.length === 0) return { lo: 0, hi: 0, counts };
  const width = (hi - lo) / bins;
  for (let i = 0; i < xs.length; i++) {
    // the maximum falls in the last bin; a constant sample in the first
    const bin = width > 0 ? Math.min(bins - 1, Math.floor((xs[i]! - lo) / width)) : 0;
    counts[bin]!++;
  }
  return { lo, hi, counts };
}

/** Mean and the maximum-likelihood (population) variance. */
function moments(xs: ArrayLike<number>): { mean: number; m2: number; m4: number } {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d2 = (xs[i]! - mean) ** 2;
    m2 += d2;
    m4 += d2 * d2;
  }
  return { mean, m2: m2 / n, m4: m4 / n };
}

/**
 * Excess kurtosis g₂ = m₄ / m₂² − 3 (population moments): 0 for a Gaussian, −1.2 for a uniform,
 * −2 for two equally likely values, 3 for a Laplace. Null for fewer than two values or a
 * constant sample (m₂ = 0), where it is undefined.
 */
export function excessKurtosis(xs: ArrayLike<number>): number | null {
  if (xs.length < 2) return null;
  const { m2, m4 } = moments(xs);
  return m2 > 0 ? m4 / (m2 * m2) - 3 : null;
}

/**
 * erfc(x), Numerical Recipes' Chebyshev fit (`erfcc`): fractional error below 1.2e-7 everywhere.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(poly);
  return x >= 0 ? value : 2 - value;
}

/** The standard normal CDF Φ(z) = erfc(−z/√2) / 2. */
export function normalCdf(z: number): number {
  return erfc(-z / Math.SQRT2) / 2;
}

/**
 * The Kolmogorov–Smirnov distance sup |F_n(x) − Φ((x − μ)/σ)| between the sample's empirical CDF
 * and the Gaussian fitted to it (μ the mean, σ the maximum-likelihood standard deviation),
 * evaluated at the jumps of F_n. Small (about 0.9/√n at most, at 95 %, for a Gaussian sample:
 * Lilliefors' critical value) for Gaussian data; 0.0572 for a large uniform sample. Null for a
 * constant sample.
 */
export function ksDistanceToFittedGaussian(xs: ArrayLike<number>): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const { mean, m2 } = moments(xs);
  if (!(m2 > 0)) return null;
  const sd = Math.sqrt(m2);
  const sorted = Float64Array.from(xs).sort();
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const cdf = normalCdf((sorted[i]! - mean) / sd);
    distance = Math.max(distance, (i + 1) / n - cdf, cdf - i / n);
  }
  return distance;
}

/**
 * Lilliefors' 5 % critical value for the KS distance to a fitted Gaussian, 0.886/√n (n > 30):
 * a distance below it is what a Gaussian sample of that size shows 95 % of the time.
 */
export function lillieforsCritical(n: number): number {
  return 0.886 / Math.sqrt(n);
}
