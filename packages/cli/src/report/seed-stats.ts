/**
 * A quantity measured once per seed, summarised: mean, sample standard deviation (n − 1 in the
 * denominator; 0 for a single seed, where the spread is not measured), and the range.
 */
export interface SeedStats {
  n: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

/** The summary of `values` (one per seed), or null when there are none. */
export function seedStats(values: readonly number[]): SeedStats | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const squares = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { n, mean, sd: n > 1 ? Math.sqrt(squares / (n - 1)) : 0, min: Math.min(...values), max: Math.max(...values) };
}

/** "mean ± sd" with `digits` decimals (just the mean for one seed). */
export function formatSeedStats(s: SeedStats | null, digits: number, exponent = false): string {
  if (s === null) return '—';
  const f = (v: number) => (exponent ? v.toExponential(digits) : v.toFixed(digits));
  return s.n > 1 ? `${f(s.mean)} ± ${f(s.sd)}` : f(s.mean);
}
