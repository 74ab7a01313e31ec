import { assertFloat, DTypeError } from '../errors.js';
import type { ArgReduceOp, ReduceOp } from '../backend/backend.js';
import { Tensor } from '../tensor.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import { div } from './elementwise.js';

/** Axes to reduce: one axis, a list, or all of them when omitted. */
export type Axes = number | readonly number[] | undefined;

/** Shape after reducing `axes`: removed, or kept as 1 with keepdims. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

function reduce(op: ReduceOp, x: Tensor, axes: Axes, keepdims: boolean): Tensor {
  if (op === 'sum') assertFloat(op, x.dtype);
  else if (x.dtype === 'bool') throw new DTypeError(`${op}: not defined for bool tensors; cast first`);
  const reduced = normalizeAxes(op, axes, x.rank);
  if (op !== 'sum') {
    for (const a of reduced) {
      if (x.shape[a] === 0)
        throw new Error(`${op}: cannot reduce over axis ${a} of length 0 (shape [${x.shape.join(', ')}])`);
    }
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !reduced.includes(i));
  const moved = x.permute([...kept, ...reduced]); // reduced axes last: a view, no copy
  const storage = x.backend.reduce(op, moved, reduced.length);
  return new Tensor(storage, reducedShape(x.shape, reduced, keepdims));
}

/** Sum over `axes` (all when omitted); float tensors only. */
export const sum = (x: Tensor, axes?: Axes, keepdims = false): Tensor => reduce('sum', x, axes, keepdims);
/** Maximum over `axes` (all when omitted); not for bool, nor over empty axes. */
export const max = (x: Tensor, axes?: Axes, keepdims = false): Tensor => reduce('max', x, axes, keepdims);
/** Minimum over `axes` (all when omitted); not for bool, nor over empty axes. */
export const min = (x: Tensor, axes?: Axes, keepdims = false): Tensor => reduce('min', x, axes, keepdims);

/** Arithmetic mean over `axes` (all when omitted): the sum divided by the element count. */
export function mean(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const count = sizeOf(normalizeAxes('mean', axes, x.rank).map((a) => x.shape[a]!));
  return div(sum(x, axes, keepdims), count);
}

function argReduce(op: ArgReduceOp, x: Tensor, axis: number, keepdims: boolean): Tensor {
  const a = normalizeAxis(op, axis, x.rank);
  if (x.shape[a] === 0) throw new Error(`${op}: axis ${axis} of shape [${x.shape.join(', ')}] is empty`);
  const order = x.shape.map((_, i) => i).filter((i) => i !== a);
  const storage = x.backend.argReduce(op, x.permute([...order, a]));
  return new Tensor(storage, reducedShape(x.shape, [a], keepdims));
}

/** Index of the first maximum along `axis`, as int32. */
export const argmax = (x: Tensor, axis = -1, keepdims = false): Tensor => argReduce('argmax', x, axis, keepdims);
/** Index of the first minimum along `axis`, as int32. */
export const argmin = (x: Tensor, axis = -1, keepdims = false): Tensor => argReduce('argmin', x, axis, keepdims);
