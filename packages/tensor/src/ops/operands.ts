import type { DType } from '../dtype.js';
import { formatShape, shapeError } from '../errors.js';
import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';
import { broadcastShapes } from '../shape.js';
import { full } from '../creation.js';

/** A tensor operand, or a plain number that takes the other operand's dtype and backend. */
export type Operand = Tensor | number;

/** All operands of one op must live on one backend; returns it. */
export function commonBackend(op: string, ...tensors: Tensor[]): Backend {
  const backend = tensors[0]!.backend;
  for (const t of tensors) {
    if (t.backend !== backend) {
      throw new Error(
        `${op}: operands live on different backends (${tensors.map((x) => x.backend.name).join(', ')}); move them with toBackend()`,
      );
    }
  }
  return backend;
}

/** Turns numbers into 0-d tensors shaped like their tensor partner. */
export function toTensors(op: string, a: Operand, b: Operand, dtype?: DType): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw shapeError(op, 'at least one operand must be a tensor');
  }
  const like = (typeof a === 'number' ? b : a) as Tensor;
  const lift = (x: Operand): Tensor =>
    typeof x === 'number' ? full([], x, { dtype: dtype ?? like.dtype, backend: like.backend.name }) : x;
  return [lift(a), lift(b)];
}

/** Broadcasts tensors to their common shape (NumPy rules) as stride-0 views. */
export function broadcastAll(op: string, ...tensors: Tensor[]): Tensor[] {
  let shape: number[] = [];
  for (const t of tensors) {
    try {
      shape = broadcastShapes(op, shape, t.shape);
    } catch {
      throw shapeError(
        op,
        `shapes ${tensors.map((x) => formatShape(x.shape)).join(', ')} cannot be broadcast together`,
      );
    }
  }
  return tensors.map((t) => t.expand(shape));
}
