import type { TypedArray } from '../../../dtype.js';
import { sizeOf } from '../../../shape.js';
import type { View } from '../../backend.js';
import { allocateOutput } from '../pool.js';
import { denseElements } from './dense.js';

/** Rows of length d = the last axis; the leading axes are flattened into the row count. */
function rowsOf(x: View): { rows: number; d: number } {
  const d = x.shape[x.shape.length - 1] ?? 1;
  return { rows: d === 0 ? 0 : sizeOf(x.shape) / d, d };
}

/**
 * LayerNorm over the last axis, row by row: μ and the biased σ² in float64 (two passes over
 * the row, which stays in cache: no cancellation from Σx² − (Σx)²/d), rstd = 1/√(σ² + ε), then
 * x̂ = (x − μ)·rstd and y = x̂·γ + β written in one more pass.
 */
export function layerNormForward(
  x: View,
  weight: View,
  bias: View,
  eps: number,
): { y: TypedArray; normalized: TypedArray; rstd: TypedArray } {
  const { rows, d } = rowsOf(x);
  const dtype = x.storage.dtype;
  const { data, start } = denseElements(x);
  const gamma = denseElements(weight);
  const beta = denseElements(bias);
  // Every element of y, x̂ (each row's d) and rstd (one per row) is written below: unzeroed.
  const y = allocateOutput(dtype, rows * d);
  const normalized = allocateOutput(dtype, rows * d);
  const rstd = allocateOutput(dtype, rows);
  for (let r = 0; r < rows; r++) {
    const base = start + r * d;
    let total = 0;
    for (let j = 0; j < d; j++) total += data[base + j]!;
    const mean = total / d;
    let squares = 0;
    for (let j = 0; j < d; j++) {
      const centered = data[base + j]! - mean;
      squares += centered * centered;
    }
    const inverse = 1 / Math.sqrt(squares / d + eps);
    rstd[r] = inverse;
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const xHat = (data[base + j]! - mean) * inverse;
      normalized[o + j] = xHat;
      y[o + j] = xHat * gamma.data[gamma.start + j]! + beta.data[beta.start + j]!;
    }
  }
  return { y, normalized, rstd };
}

/**
 * dx = rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)) with dŷ = g·γ, row by row: one pass for the two
 * means (float64), one to write dx. It follows from x̂ = (x − μ)·rstd, where μ and rstd depend
 * on every x of the row: ∂x̂ᵢ/∂xⱼ = rstd·(δᵢⱼ − 1/d − x̂ᵢx̂ⱼ/d).
 */
export function layerNormInputGradient(g: View, normalized: View, rstd: View, weight: View): TypedArray {
  const { rows, d } = rowsOf(g);
  const gs = denseElements(g);
  const xs = denseElements(normalized);
  const rs = denseElements(rstd);
  const gamma = denseElements(weight);
  const out = allocateOutput(g.storage.dtype, rows * d); // every row written in full below
  for (let r = 0; r < rows; r++) {
    const gBase = gs.start + r * d;
    const xBase = xs.start + r * d;
    let sumDy = 0;
    let sumDyXHat = 0;
    for (let j = 0; j < d; j++) {
      const dy = gs.data[gBase + j]! * gamma.data[gamma.start + j]!;
      sumDy += dy;
      sumDyXHat += dy * xs.data[xBase + j]!;
    }
    const [meanDy, meanDyXHat] = [sumDy / d, sumDyXHat / d];
    const inverse = rs.data[rs.start + r]!;
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const dy = gs.data[gBase + j]! * gamma.data[gamma.start + j]!;
      out[o + j] = inverse * (dy - meanDy - xs.data[xBase + j]! * meanDyXHat);
    }
  }
  return out;
}

/** dγ = Σ_rows g·x̂ and dβ = Σ_rows g, accumulated in float64, rows in order. */
export function layerNormWeightGradients(g: View, normalized: View): { weight: TypedArray; bias: TypedArray } {
  const { rows, d } = rowsOf(g);
  const gs = denseElements(g);
  const xs = denseElements(normalized);
  const dGamma = new Float64Array(d);
  const dBeta = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const [gBase, xBase] = [gs.start + r * d, xs.start + r * d];
    for (let j = 0; j < d; j++) {
      const gj = gs.data[gBase + j]!;
      dGamma[j]! += gj * xs.data[xBase + j]!;
      dBeta[j]! += gj;
    }
  }
  // The sums accumulate in the zeroed float64 arrays above; the outputs are overwritten whole.
  const weight = allocateOutput(g.storage.dtype, d);
  const bias = allocateOutput(g.storage.dtype, d);
  weight.set(dGamma);
  bias.set(dBeta);
  return { weight, bias };
}
