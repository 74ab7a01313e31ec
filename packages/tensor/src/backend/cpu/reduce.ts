import type { TypedArray } from '../../dtype.js';
import { allocateArray } from './pool.js';
import { sizeOf } from '../../shape.js';
import type { ArgReduceOp, ReduceOp, View } from '../backend.js';
import { dataOf } from './storage.js';
import { REDUCE, REDUCE_IDENTITY } from './scalar-functions.js';
import { forEachRow, offsetsOf, rowLength, rowStride } from './strided.js';

/**
 * Reduces the trailing `reducedRank` axes. The leading axes index the output; for each output
 * element the reduced block is walked row by row. Sums accumulate in float64 (JS numbers).
 */
export function reduceTrailing(op: ReduceOp, x: View, reducedRank: number): TypedArray {
  const rank = x.shape.length;
  const keptShape = x.shape.slice(0, rank - reducedRank);
  const blockShape = x.shape.slice(rank - reducedRank);
  const blockStrides = x.strides.slice(rank - reducedRank);
  const starts = offsetsOf(keptShape, x.strides.slice(0, rank - reducedRank), x.offset);
  const src = dataOf(x);
  const out = allocateArray(x.storage.dtype, starts.length);
  const combine = REDUCE[op]; // NaN wins in max/min, as in PyTorch
  const length = rowLength(blockShape);
  const step = rowStride(blockStrides);
  for (let o = 0; o < starts.length; o++) {
    let acc = REDUCE_IDENTITY[op];
    forEachRow(blockShape, [blockStrides], [starts[o]!], ([start]) => {
      for (let i = 0; i < length; i++) acc = combine(acc, src[start! + i * step]!);
    });
    out[o] = acc;
  }
  return out;
}

/** Index of the first maximum (or minimum) along the last axis, as int32. */
export function argReduceLast(op: ArgReduceOp, x: View): Int32Array {
  const rank = x.shape.length;
  const length = x.shape[rank - 1]!;
  const step = x.strides[rank - 1]!;
  const starts = offsetsOf(x.shape.slice(0, -1), x.strides.slice(0, -1), x.offset);
  const src = dataOf(x);
  const better = op === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  const out = new Int32Array(sizeOf(x.shape.slice(0, -1)));
  for (let o = 0; o < starts.length; o++) {
    let best = 0;
    let bestValue = src[starts[o]!]!;
    for (let i = 1; i < length; i++) {
      const v = src[starts[o]! + i * step]!;
      if (bestValue !== bestValue) break; // NaN is the extreme, as in PyTorch
      if (better(v, bestValue) || v !== v) {
        best = i;
        bestValue = v;
      }
    }
    out[o] = best;
  }
  return out;
}
