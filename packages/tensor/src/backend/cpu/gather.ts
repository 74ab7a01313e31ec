import type { DType, TypedArray } from '../../dtype.js';
import { allocateArray } from './pool.js';
import { ShapeError } from '../../errors.js';
import type { Shape } from '../../shape.js';
import { sizeOf } from '../../shape.js';
import type { View } from '../backend.js';
import { dataOf } from './storage.js';
import { forEachRow, offsetsOf, rowLength, rowStride } from './strided.js';

function readIndices(op: string, indices: View, size: number): Float64Array {
  const src = dataOf(indices);
  const offsets = offsetsOf(indices.shape, indices.strides, indices.offset);
  const out = new Float64Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) {
    const index = src[offsets[i]!]!;
    if (index < 0 || index >= size) {
      throw new ShapeError(`${op}: index ${index} is out of range for an axis of size ${size}`);
    }
    out[i] = index;
  }
  return out;
}

/**
 * Visits (outer position, index position, inner row) triples of a gather along `axis` of a
 * tensor shaped `shape`: `visit(outerStart, indexValue, j)` for each outer block and index j.
 */
function forEachSelected(
  shape: Shape,
  strides: readonly number[],
  offset: number,
  axis: number,
  indices: Float64Array,
  visit: (rowStart: number, j: number) => void,
): void {
  const outerStarts = offsetsOf(shape.slice(0, axis), strides.slice(0, axis), offset);
  for (let o = 0; o < outerStarts.length; o++) {
    for (let j = 0; j < indices.length; j++)
      visit(outerStarts[o]! + indices[j]! * strides[axis]!, o * indices.length + j);
  }
}

/** `out[pre, j, post] = x[pre, indices[j], post]`; out is laid out as [pre, ...indices.shape, post]. */
export function gatherAlong(x: View, axis: number, indices: View): TypedArray {
  const index = readIndices('gather', indices, x.shape[axis]!);
  const innerShape = x.shape.slice(axis + 1);
  const innerStrides = x.strides.slice(axis + 1);
  const inner = sizeOf(innerShape);
  const length = rowLength(innerShape);
  const step = rowStride(innerStrides);
  const src = dataOf(x);
  const out = allocateArray(x.storage.dtype, sizeOf(x.shape.slice(0, axis)) * index.length * inner);
  forEachSelected(x.shape, x.strides, x.offset, axis, index, (start, block) => {
    let o = block * inner;
    forEachRow(innerShape, [innerStrides], [start], ([s]) => {
      for (let i = 0; i < length; i++) out[o++] = src[s! + i * step]!;
    });
  });
  return out;
}

/** Adjoint of gatherAlong: zeros of `shape`, then `out[pre, indices[j], post] += source[pre, j, post]`. */
export function scatterAddAlong(shape: Shape, axis: number, indices: View, source: View, dtype: DType): TypedArray {
  const index = readIndices('scatterAdd', indices, shape[axis]!);
  const strides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = allocateArray(dtype, sizeOf(shape));
  const values = dataOf(source);
  const sourceOffsets = offsetsOf(source.shape, source.strides, source.offset);
  forEachSelected(shape, strides, 0, axis, index, (start, block) => {
    for (let i = 0; i < inner; i++) out[start + i] += values[sourceOffsets[block * inner + i]!]!;
  });
  return out;
}
