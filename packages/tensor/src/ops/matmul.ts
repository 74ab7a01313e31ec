import { assertFloat, assertSameDType, formatShape, shapeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { broadcastShapes } from '../shape.js';
import { commonBackend } from './operands.js';
import { add } from './elementwise.js';

/**
 * Matrix product of `[...batchA, m, k]` and `[...batchB, k, n]`: batch dimensions broadcast
 * (NumPy's matmul), giving `[...batch, m, n]`. Both operands need at least two dimensions.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const { left, right, shape } = operands('matmul', a, b);
  return new Tensor(left.backend.matmul(left, right), shape);
}

/**
 * a b + c, c broadcast to the product's shape (a bias [n], or an output of the same shape): the
 * same bits as `add(matmul(a, b), c)`, without the intermediate product where the backend has a
 * matmulAdd kernel (the CPU fast path adds c as it stores each row).
 */
export function matmulAdd(a: Tensor, b: Tensor, c: Tensor): Tensor {
  const { left, right, shape } = operands('matmulAdd', a, b);
  const kernel = left.backend.matmulAdd;
  const fits = c.rank <= shape.length && c.shape.every((d, i) => d === 1 || d === shape[shape.length - c.rank + i]);
  // Anything else (c on another backend or of another dtype, or broadcasting the product up) is add's to handle.
  if (!kernel || !fits || c.backend !== left.backend || c.dtype !== a.dtype) return add(matmul(a, b), c);
  return new Tensor(kernel.call(left.backend, left, right, c.expand(shape)), shape);
}

/** Checks a matmul's operands; returns them broadcast to [...batch, m, k] and [...batch, k, n], and the product's shape. */
function operands(op: string, a: Tensor, b: Tensor): { left: Tensor; right: Tensor; shape: number[] } {
  if (a.rank < 2 || b.rank < 2) {
    throw shapeError(
      op,
      `operands need at least 2 dimensions, got ${formatShape(a.shape)} and ${formatShape(b.shape)}; reshape vectors to [1, n] or [n, 1]`,
    );
  }
  assertSameDType(op, a.dtype, b.dtype);
  assertFloat(op, a.dtype);
  commonBackend(op, a, b);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) {
    throw shapeError(op, `inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${k} vs ${k2})`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    throw shapeError(
      op,
      `batch dimensions of ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast together`,
    );
  }
  return { left: a.expand([...batch, m, k]), right: b.expand([...batch, k, n]), shape: [...batch, m, n] };
}
