import type { Shape } from '../../shape.js';
import { sizeOf } from '../../shape.js';

/**
 * Walks `shape` in row-major order one innermost row at a time. For each row it passes the
 * offset where that row starts in every operand (each operand has its own strides and base
 * offset). Kernels then run a plain loop along the row using the operand's last stride.
 */
export function forEachRow(
  shape: Shape,
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  row: (starts: readonly number[]) => void,
): void {
  if (sizeOf(shape) === 0) return;
  const outerRank = Math.max(shape.length - 1, 0);
  const rows = sizeOf(shape.slice(0, outerRank));
  const index = new Array<number>(outerRank).fill(0);
  const starts = offsets.slice();
  for (let r = 0; r < rows; r++) {
    row(starts);
    // Advance the odometer over the outer axes, carrying into slower axes.
    for (let axis = outerRank - 1; axis >= 0; axis--) {
      index[axis]!++;
      for (let k = 0; k < starts.length; k++) starts[k]! += strides[k]![axis]!;
      if (index[axis]! < shape[axis]!) break;
      for (let k = 0; k < starts.length; k++) starts[k]! -= strides[k]![axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
}

/** Length of the innermost row of `shape` (1 for a scalar). */
export function rowLength(shape: Shape): number {
  return shape.length === 0 ? 1 : shape[shape.length - 1]!;
}

/** Stride along the innermost row (0 for a scalar). */
export function rowStride(strides: readonly number[]): number {
  return strides.length === 0 ? 0 : strides[strides.length - 1]!;
}

/** The offset of every element of a strided layout, in row-major order. */
export function offsetsOf(shape: Shape, strides: readonly number[], offset: number): Float64Array {
  const out = new Float64Array(sizeOf(shape));
  const length = rowLength(shape);
  const step = rowStride(strides);
  let o = 0;
  forEachRow(shape, [strides], [offset], ([start]) => {
    for (let i = 0; i < length; i++) out[o++] = start! + i * step;
  });
  return out;
}
