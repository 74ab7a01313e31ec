import type { TypedArray } from '../../dtype.js';
import type { View } from '../backend.js';
import { dataOf } from './storage.js';
import { FLOAT32_ROWS } from './elementwise-float32.js';
import { offsetsOf } from './strided.js';

const addFloat32 = FLOAT32_ROWS.add!;

/**
 * Storing a product's rows from the kernel's tile into the output, and the c of matmulAdd
 * (a b + c) as the fast matmul's epilogue reads it: row R of the output
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
function storeRow(
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
  const c = addend.rowStarts[R]! + firstColumn * step;
  if (out instanceof Float32Array && row instanceof Float32Array && data instanceof Float32Array) {
    addFloat32(out, outAt, row, rowAt, 1, data, c, step, n); // float32's monomorphic, unrolled loop
    return;
  }
  for (let j = 0, at = c; j < n; j++, at += step) out[outAt + j] = row[rowAt + j]! + data[at]!;
}

/** out += c in place, over `rows` rows of n (for kernels that write the product first). */
export function addInPlace(out: TypedArray, rows: number, n: number, addend: Addend): void {
  for (let R = 0; R < rows; R++) storeRow(out, R * n, out, R * n, n, addend, R);
}

/**
 * Stores `rows` rows of `columns` values from a tile whose rows are `tileRowLength` apart into the
 * output's rows `firstRow`… (n values each) from column `firstColumn`, adding c's rows if given.
 * Where the tile's rows are the output's rows (all n columns, no padding, nothing to add) that is
 * one copy.
 */
export function storeRows(
  out: TypedArray,
  n: number,
  tile: TypedArray,
  tileRowLength: number,
  rows: number,
  columns: number,
  addend: Addend | null,
  firstRow: number,
  firstColumn = 0,
): void {
  if (!addend && tileRowLength === columns && columns === n) {
    out.set(tile.subarray(0, rows * n), firstRow * n);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const R = firstRow + i;
    storeRow(out, R * n + firstColumn, tile, i * tileRowLength, columns, addend, R, firstColumn);
  }
}
