import type { DType } from '../dtype.js';
import { DTypeError, formatShape, shapeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { Shape } from '../shape.js';
import { normalizeAxis } from '../shape.js';
import { arange } from '../creation.js';
import { cast, equal } from './elementwise.js';
import { commonBackend } from './operands.js';

function assertIndices(op: string, indices: Tensor): void {
  if (indices.dtype !== 'int32') {
    throw new DTypeError(`${op}: indices must be int32, got ${indices.dtype}; use cast(indices, 'int32')`);
  }
}

/**
 * Picks entries along `axis` by integer `indices` of any shape: the result has shape
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. With axis 0 on a `[vocab, d]` table
 * and token ids `[batch, seq]` this is an embedding lookup, `[batch, seq, d]`.
 */
export function indexSelect(x: Tensor, axis: number, indices: Tensor): Tensor {
  assertIndices('indexSelect', indices);
  const a = normalizeAxis('indexSelect', axis, x.rank);
  const backend = commonBackend('indexSelect', x, indices);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return new Tensor(backend.gather(x, a, indices), shape);
}

/**
 * The adjoint of indexSelect: zeros of `shape`, then each slice of `source` is added at its
 * index along `axis` (repeated indices accumulate). It is indexSelect's gradient.
 */
export function scatterAdd(shape: Shape, axis: number, indices: Tensor, source: Tensor): Tensor {
  assertIndices('scatterAdd', indices);
  const a = normalizeAxis('scatterAdd', axis, shape.length);
  const expected = [...shape.slice(0, a), ...indices.shape, ...shape.slice(a + 1)];
  if (expected.length !== source.rank || expected.some((d, i) => d !== source.shape[i])) {
    throw shapeError(
      'scatterAdd',
      `source shape ${formatShape(source.shape)} does not match ${formatShape(expected)} (shape ${formatShape(shape)}, indices ${formatShape(indices.shape)}, axis ${axis})`,
    );
  }
  const backend = commonBackend('scatterAdd', indices, source);
  return new Tensor(backend.scatterAdd(shape, a, indices, source), shape);
}

/** One-hot rows: `[..., depth]` with 1 at each index (indices int32 in [0, depth)). */
export function oneHot(indices: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  assertIndices('oneHot', indices);
  const classes = arange(0, depth, 1, { dtype: 'int32', backend: indices.backend.name });
  return cast(equal(indices.unsqueeze(-1), classes), dtype);
}
