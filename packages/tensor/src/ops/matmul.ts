import { assertFloat, assertSameDType, formatShape, shapeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { broadcastShapes } from '../shape.js';
import { commonBackend } from './operands.js';

/**
 * Matrix product of `[...batchA, m, k]` and `[...batchB, k, n]`: batch dimensions broadcast
 * (NumPy's matmul), giving `[...batch, m, n]`. Both operands need at least two dimensions.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw shapeError(
      'matmul',
      `operands need at least 2 dimensions, got ${formatShape(a.shape)} and ${formatShape(b.shape)}; reshape vectors to [1, n] or [n, 1]`,
    );
  }
  assertSameDType('matmul', a.dtype, b.dtype);
  assertFloat('matmul', a.dtype);
  const backend = commonBackend('matmul', a, b);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) {
    throw shapeError(
      'matmul',
      `inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${k} vs ${k2})`,
    );
  }
  let batch: number[];
  try {
    batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    throw shapeError(
      'matmul',
      `batch dimensions of ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast together`,
    );
  }
  const left = a.expand([...batch, m, k]);
  const right = b.expand([...batch, k, n]);
  return new Tensor(backend.matmul(left, right), [...batch, m, n]);
}
