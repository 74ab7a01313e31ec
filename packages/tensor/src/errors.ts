import type { DType } from './dtype.js';

/** Formats a shape the way error messages print it: `[2, 3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Thrown when operand shapes do not fit an op. The message names the op and the shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Thrown when operand dtypes do not fit an op. The message names the op and the dtypes. */
export class DTypeError extends Error {
  override name = 'DTypeError';
}

export function shapeError(op: string, detail: string): ShapeError {
  return new ShapeError(`${op}: ${detail}`);
}

/** Every operand of `op` must share one dtype. */
export function assertSameDType(op: string, ...dtypes: DType[]): DType {
  const first = dtypes[0]!;
  for (const d of dtypes) {
    if (d !== first) {
      throw new DTypeError(`${op}: dtype mismatch (${dtypes.join(' vs ')}); cast one operand with cast(x, dtype)`);
    }
  }
  return first;
}

export function assertFloat(op: string, dtype: DType): void {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`${op}: expected a float32 or float64 tensor, got ${dtype}`);
  }
}
