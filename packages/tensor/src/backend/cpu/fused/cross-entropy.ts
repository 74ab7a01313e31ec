import type { TypedArray } from '../../../dtype.js';
import type { View } from '../../backend.js';
import { allocateArray } from '../pool.js';
import { denseElements } from './dense.js';

/** The target of row r, or −1 when it is `ignoreIndex`; throws on a target outside [0, C). */
function targetOf(targets: TypedArray, at: number, ignoreIndex: number, classes: number): number {
  const t = targets[at]!;
  if (t === ignoreIndex) return -1;
  if (t < 0 || t >= classes) {
    throw new Error(
      `softmaxCrossEntropy: target ${t} is out of range for ${classes} classes (and is not ignoreIndex ${ignoreIndex})`,
    );
  }
  return t;
}

/**
 * Per row, logSumExp = m + log Σ exp(x − m) with m the row's maximum (0 for an all −∞ row, as
 * the tensor op), in float64; the loss is the mean of logSumExp − x[target] over the rows whose
 * target is not `ignoreIndex` (NaN when there are none: 0/0).
 */
export function softmaxCrossEntropyForward(
  logits: View,
  targets: View,
  ignoreIndex: number,
): { loss: TypedArray; logSumExp: TypedArray } {
  const [rows, classes] = logits.shape as [number, number];
  const xs = denseElements(logits);
  const ts = denseElements(targets);
  const logSumExp = allocateArray(logits.storage.dtype, rows);
  let total = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const base = xs.start + r * classes;
    let peak = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = xs.data[base + c]!;
      if (v > peak || v !== v) peak = v;
    }
    if (peak === -Infinity) peak = 0;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(xs.data[base + c]! - peak);
    const lse = Math.log(sum) + peak;
    logSumExp[r] = lse;
    const target = targetOf(ts.data, ts.start + r, ignoreIndex, classes);
    if (target < 0) continue;
    total += lse - xs.data[base + target]!;
    count++;
  }
  const loss = allocateArray(logits.storage.dtype, 1);
  loss[0] = total / count;
  return { loss, logSumExp };
}

/**
 * ∂loss/∂x[r, c] = (softmax(x)[r, c] − [c = target_r])·g/count, with softmax = exp(x − lse)
 * from the saved row log-sum-exp (no second reduction), and 0 on ignored rows.
 */
export function softmaxCrossEntropyBackward(
  logits: View,
  targets: View,
  logSumExp: View,
  g: View,
  ignoreIndex: number,
): TypedArray {
  const [rows, classes] = logits.shape as [number, number];
  const xs = denseElements(logits);
  const ts = denseElements(targets);
  const ls = denseElements(logSumExp);
  const gs = denseElements(g);
  let count = 0;
  for (let r = 0; r < rows; r++) if (targetOf(ts.data, ts.start + r, ignoreIndex, classes) >= 0) count++;
  const scale = gs.data[gs.start]! / count;
  const out = allocateArray(logits.storage.dtype, rows * classes);
  for (let r = 0; r < rows; r++) {
    const target = targetOf(ts.data, ts.start + r, ignoreIndex, classes);
    if (target < 0) continue;
    const [base, o, lse] = [xs.start + r * classes, r * classes, ls.data[ls.start + r]!];
    for (let c = 0; c < classes; c++) out[o + c] = Math.exp(xs.data[base + c]! - lse) * scale;
    out[o + target] = (Math.exp(xs.data[base + target]! - lse) - 1) * scale;
  }
  return out;
}
