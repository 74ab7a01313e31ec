import type { TypedArray } from '../../../dtype.js';
import type { View } from '../../backend.js';
import { allocateOutput } from '../pool.js';
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
 * Per row, in float64: m = the row's maximum (0 for an all −∞ row, as the tensor op's
 * logSumExp), s = log Σ exp(x − m), logSumExp = m + s. The loss is the mean of logSumExp −
 * x[target] over the rows whose target is not `ignoreIndex` (NaN when there are none: 0/0).
 * m and s are returned apart for backward: m is a logit, exact in any dtype, and s lies in
 * [0, log C], so softmax = exp(x − m − s) keeps full precision even where logSumExp itself
 * (say 1e6 in float32, spaced 0.06 apart) could not be stored closely enough.
 */
export function softmaxCrossEntropyForward(
  logits: View,
  targets: View,
  ignoreIndex: number,
): { loss: TypedArray; rowMax: TypedArray; rowLogSum: TypedArray } {
  const [rows, classes] = logits.shape as [number, number];
  const xs = denseElements(logits);
  const ts = denseElements(targets);
  // Both are written for every row, ignored or not: unzeroed.
  const rowMax = allocateOutput(logits.storage.dtype, rows);
  const rowLogSum = allocateOutput(logits.storage.dtype, rows);
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
    const logSum = Math.log(sum);
    rowMax[r] = peak;
    rowLogSum[r] = logSum;
    const target = targetOf(ts.data, ts.start + r, ignoreIndex, classes);
    if (target < 0) continue;
    total += peak - xs.data[base + target]! + logSum;
    count++;
  }
  const loss = allocateOutput(logits.storage.dtype, 1);
  loss[0] = total / count;
  return { loss, rowMax, rowLogSum };
}

/**
 * ∂loss/∂x[r, c] = (softmax(x)[r, c] − [c = target_r])·g/count, with softmax = exp(x − m − s)
 * from the saved row maximum and log-sum (no second reduction), and 0 on ignored rows.
 */
export function softmaxCrossEntropyBackward(
  logits: View,
  targets: View,
  rowMax: View,
  rowLogSum: View,
  g: View,
  ignoreIndex: number,
): TypedArray {
  const [rows, classes] = logits.shape as [number, number];
  const xs = denseElements(logits);
  const ts = denseElements(targets);
  const ms = denseElements(rowMax);
  const ls = denseElements(rowLogSum);
  const gs = denseElements(g);
  let count = 0;
  for (let r = 0; r < rows; r++) if (targetOf(ts.data, ts.start + r, ignoreIndex, classes) >= 0) count++;
  const scale = gs.data[gs.start]! / count;
  // Every row is written: its gradient, or zeros where the target is ignored (unzeroed output).
  const out = allocateOutput(logits.storage.dtype, rows * classes);
  for (let r = 0; r < rows; r++) {
    const target = targetOf(ts.data, ts.start + r, ignoreIndex, classes);
    const [base, o] = [xs.start + r * classes, r * classes];
    if (target < 0) {
      out.fill(0, o, o + classes);
      continue;
    }
    const [peak, logSum] = [ms.data[ms.start + r]!, ls.data[ls.start + r]!];
    for (let c = 0; c < classes; c++) out[o + c] = Math.exp(xs.data[base + c]! - peak - logSum) * scale;
    out[o + target] = (Math.exp(xs.data[base + target]! - peak - logSum) - 1) * scale;
  }
  return out;
}
