/**
 * erf(x) to about 1e-15, the accuracy float64 gradient checks need. For |x| < 3 the Maclaurin
 * series 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)) converges quickly (terms peak near e^{x²} ≈ 8·10³,
 * so at most four digits are lost to cancellation); beyond, erf = 1 − erfc with erfc from its
 * continued fraction (Lentz's method), which converges fast for large x.
 */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let total = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const next = term / (2 * n + 1);
    total += next;
    if (Math.abs(next) < 1e-17 * Math.abs(total)) break;
  }
  return TWO_OVER_SQRT_PI * total;
}

/** erfc(x) for x ≥ 3: e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

export function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax < 3) return erfSeries(x);
  if (ax === Infinity) return Math.sign(x); // the continued fraction would give ∞/∞
  const value = 1 - erfcContinuedFraction(ax);
  return x < 0 ? -value : value;
}
