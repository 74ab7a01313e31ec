import * as T from '@lorafa/tensor';
import type { Variable } from './variable.js';

// Ops with no gradient: their outputs are integers or booleans, so they return plain tensors
// and are never recorded on the tape.

/** The plain value of an operand: a variable's tensor, or the tensor or number itself. */
const plain = (x: Variable | T.Tensor | number): T.Tensor | number =>
  typeof x === 'number' || x instanceof T.Tensor ? x : x.value;

/** Index of the first maximum along `axis` (int32). */
export const argmax = (x: Variable, axis = -1, keepdims = false): T.Tensor => T.argmax(x.value, axis, keepdims);
/** Index of the first minimum along `axis` (int32). */
export const argmin = (x: Variable, axis = -1, keepdims = false): T.Tensor => T.argmin(x.value, axis, keepdims);
/** a = b elementwise (bool). */
export const equal = (a: Variable, b: Variable | T.Tensor | number): T.Tensor => T.equal(a.value, plain(b));
/** a > b elementwise (bool). */
export const greater = (a: Variable, b: Variable | T.Tensor | number): T.Tensor => T.greater(a.value, plain(b));
/** a < b elementwise (bool). */
export const less = (a: Variable, b: Variable | T.Tensor | number): T.Tensor => T.less(a.value, plain(b));
/** a ≥ b elementwise (bool). */
export const greaterEqual = (a: Variable, b: Variable | T.Tensor | number): T.Tensor =>
  T.greaterEqual(a.value, plain(b));
/** a ≤ b elementwise (bool). */
export const lessEqual = (a: Variable, b: Variable | T.Tensor | number): T.Tensor => T.lessEqual(a.value, plain(b));
/** One-hot rows of length `depth` for int32 `indices`. */
export const oneHot = (indices: T.Tensor, depth: number, dtype: T.DType = 'float32'): T.Tensor =>
  T.oneHot(indices, depth, dtype);
