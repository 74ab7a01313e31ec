/**
 * e^a to within 1e-8 relative (measured max 7e-9 over |a| ≤ 50), in plain arithmetic that V8
 * inlines — about twice as fast as Math.exp, which calls into the runtime. For the fused kernels'
 * float32 outputs only (a float32 rounding is 6e-8 relative, so the result is the correctly
 * rounded float32 or its neighbour); float64 kernels use Math.exp.
 *
 * Range reduction a = k·ln 2 + r with k = round(a / ln 2) and |r| ≤ ln 2 / 2, then e^r by its
 * degree-7 Taylor polynomial (remainder ≤ r⁸/8! ≈ 6e-9) and 2^k from a table.
 */
const POW2_OFFSET = 1100;
const POW2 = Float64Array.from({ length: 2 * POW2_OFFSET }, (_, i) => 2 ** (i - POW2_OFFSET));
const INV_LN2 = 1 / Math.LN2;

export function fastExp(a: number): number {
  if (!(a > -700 && a < 700)) return a !== a ? a : a > 0 ? Infinity : 0; // NaN, overflow, underflow
  const k = Math.floor(a * INV_LN2 + 0.5);
  const r = a - k * Math.LN2;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  return p * POW2[k + POW2_OFFSET]!;
}
