import type { TypedArray } from '../../../dtype.js';
import { sizeOf } from '../../../shape.js';
import type { View } from '../../backend.js';
import { allocateOutput } from '../pool.js';
import { denseElements } from './dense.js';
import { fastExp } from './fast-exp.js';

/**
 * Attention's softmax over the last axis of x `[..., T_q, T_k]` in one pass per row:
 * y = softmax(scale · x), with, when `causal`, the future masked — query i sees keys j ≤ i + T_k − T_q —
 * so its weights are exactly 0 and its exp is never computed. Each row is computed in float64:
 * m = max_j scale·x_j, e_j = exp(scale·x_j − m), y_j = e_j / Σ e; for float32 with fastExp
 * (within 1e-8 relative of Math.exp, below float32's rounding).
 */
export function softmaxForward(x: View, scale: number, causal: boolean): TypedArray {
  const { data, start } = denseElements(x);
  const rank = x.shape.length;
  const [queries, keys] = [x.shape[rank - 2]!, x.shape[rank - 1]!];
  const out = allocateOutput(x.storage.dtype, sizeOf(x.shape));
  const rows = out.length / Math.max(1, keys);
  const exps = new Float64Array(keys);
  const float32 = x.storage.dtype === 'float32';
  for (let row = 0; row < rows; row++) {
    const at = row * keys;
    const seen = causal ? Math.min(keys, (row % queries) + 1 + keys - queries) : keys;
    let max = -Infinity;
    for (let j = 0; j < seen; j++) {
      const s = data[start + at + j]! * scale;
      exps[j] = s;
      if (s > max || Number.isNaN(s)) max = s;
    }
    let sum = 0;
    if (float32) {
      for (let j = 0; j < seen; j++) {
        const e = fastExp(exps[j]! - max);
        exps[j] = e;
        sum += e;
      }
    } else {
      for (let j = 0; j < seen; j++) {
        const e = Math.exp(exps[j]! - max);
        exps[j] = e;
        sum += e;
      }
    }
    for (let j = 0; j < seen; j++) out[at + j] = exps[j]! / sum;
    for (let j = seen; j < keys; j++) out[at + j] = 0;
  }
  return out;
}

/**
 * The softmax's gradient from its output y: dx = scale · y ⊙ (g − Σ_j g_j y_j) per row (masked
 * entries have y = 0, so they get 0). The row's dot product is accumulated in float64.
 */
export function softmaxBackward(y: View, g: View, scale: number): TypedArray {
  const ys = denseElements(y);
  const gs = denseElements(g);
  const [yd, y0, gd, g0] = [ys.data, ys.start, gs.data, gs.start];
  const keys = y.shape[y.shape.length - 1]!;
  const out = allocateOutput(y.storage.dtype, sizeOf(y.shape));
  const rows = out.length / Math.max(1, keys);
  for (let row = 0; row < rows; row++) {
    const at = row * keys;
    let dot = 0;
    for (let j = 0; j < keys; j++) dot += gd[g0 + at + j]! * yd[y0 + at + j]!;
    for (let j = 0; j < keys; j++) out[at + j] = scale * yd[y0 + at + j]! * (gd[g0 + at + j]! - dot);
  }
  return out;
}
