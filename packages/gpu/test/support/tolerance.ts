/**
 * Float32 agreement with the specification, as the conformance suite states it per kernel.
 * The specification computes each element in float64 and rounds once; a float32 kernel rounds
 * at every step, and shader transcendentals are a few ulp off. NaN must meet NaN, ±∞ must meet
 * the same infinity; otherwise |got − want| ≤ atol + rtol·|want| (or a per-element bound).
 */
export const EPSILON = 2 ** -23;

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Rounded once (add, sub, mul, div; shaders may be a couple of ulp off on div) or exact. */
export const ROUNDED: Tolerance = { rtol: 4 * EPSILON, atol: 1.2e-38 };
/** exp, log, sqrt, tanh, sigmoid, pow: shader built-ins (WGSL allows a few ulp, more for pow). */
export const TRANSCENDENTAL: Tolerance = { rtol: 3e-5, atol: 1e-6 };
/** erf: the kernel's own series / Abramowitz–Stegun approximation, absolute error ≤ 2e-7. */
export const ERF: Tolerance = { rtol: 1e-6, atol: 5e-7 };
export const EXACT: Tolerance = { rtol: 0, atol: 0 };

export function firstMismatch(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  bound: (i: number) => number,
): string | null {
  if (got.length !== want.length) return `length ${got.length} ≠ ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) return `element ${i}: got ${g}, want ${w}`;
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) return `element ${i}: got ${g}, want ${w}`;
      continue;
    }
    if (Math.abs(g - w) > bound(i)) return `element ${i}: got ${g}, want ${w} (|Δ| ${Math.abs(g - w)} > ${bound(i)})`;
  }
  return null;
}

export const within = (tolerance: Tolerance, want: ArrayLike<number>) => (i: number) =>
  tolerance.atol + tolerance.rtol * Math.abs(want[i]!);
