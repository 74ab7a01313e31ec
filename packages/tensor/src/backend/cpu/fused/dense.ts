import type { TypedArray } from '../../../dtype.js';
import { isRowMajor } from '../../../shape.js';
import type { View } from '../../backend.js';
import { mapUnary } from '../elementwise.js';
import { dataOf } from '../storage.js';

/** A view's elements in row-major order: `data[start + i]` is element i. */
export interface DenseElements {
  readonly data: TypedArray;
  readonly start: number;
}

/**
 * The fused kernels walk rows as flat arrays. A row-major view (the usual case: a layer's
 * output, or a leading-axis slice of one) is read in place; any other layout is copied once.
 */
export function denseElements(view: View): DenseElements {
  if (isRowMajor(view.shape, view.strides)) return { data: dataOf(view), start: view.offset };
  return { data: mapUnary(view, view.storage.dtype, (x) => x), start: 0 };
}
