import type { TypedArray } from '../../dtype.js';
import type { View } from '../backend.js';
import { dataOf } from './storage.js';
import { offsetsOf } from './strided.js';

/**
 * The c of matmulAdd (a b + c) as the fast matmul's epilogue reads it: row R of the output
 * ([...batch, m] flattened, in row-major order) adds c's values from `rowStarts[R]`, `step`
 * apart (0 for a bias broadcast along the rows). Each output is the product's rounded sum plus
 * c, rounded: the same bits as matmul followed by add, without a second pass over the output.
 */
export interface Addend {
  readonly data: TypedArray;
  readonly rowStarts: Float64Array;
  readonly step: number;
}

/** c, already broadcast to the output's shape [..., m, n], as an Addend. */
export function addendOf(c: View): Addend {
  const rank = c.shape.length;
  return {
    data: dataOf(c),
    rowStarts: offsetsOf(c.shape.slice(0, -1), c.strides.slice(0, -1), c.offset),
    step: c.strides[rank - 1]!,
  };
}

/** out[outAt + j] = row[rowAt + j] (+ c[R, firstColumn + j]), for j < n. */
export function storeRow(
  out: TypedArray,
  outAt: number,
  row: TypedArray,
  rowAt: number,
  n: number,
  addend: Addend | null,
  R: number,
  firstColumn = 0,
): void {
  if (!addend) {
    out.set(row.subarray(rowAt, rowAt + n), outAt);
    return;
  }
  const { data, step } = addend;
  for (let j = 0, c = addend.rowStarts[R]! + firstColumn * step; j < n; j++, c += step)
    out[outAt + j] = row[rowAt + j]! + data[c]!;
}

/** out += c in place, over `rows` rows of n (for kernels that write the product first). */
export function addInPlace(out: TypedArray, rows: number, n: number, addend: Addend): void {
  for (let R = 0; R < rows; R++) storeRow(out, R * n, out, R * n, n, addend, R);
}
