import type { TypedArray } from '../../../dtype.js';
import { allocateArray } from '../pool.js';
import type { View } from '../../backend.js';
import { dataOf } from '../storage.js';
import { offsetsOf } from '../strided.js';
import { COLUMNS, ROWS } from './gemm-module.js';
import type { Gemm } from './gemm-runtime.js';
import { runBlock } from './gemm-runtime.js';

/**
 * Matmul on the WebAssembly SIMD micro-kernel of gemm-module.ts, blocked for the caches the
 * way BLAS libraries do (Goto & van de Geijn, "Anatomy of high-performance matrix
 * multiplication", 2008):
 *
 *   for each batch, for each block of ≤ columnBlock columns of b: pack them into column panels
 *     for each block of BLOCK_ROWS rows of a: pack them into row panels
 *       run the kernel's block over them, in depth slabs, split by column panels between threads
 *       round the float64 tile into the output
 *
 * Packing converts to float64 and reads any strides, so transposed operands cost nothing extra.
 * Results are bit-identical to the specification (see gemm-module.ts).
 */
const BLOCK_ROWS = 128; // one a block slab (128 x 256 x 8 B = 256 KiB) stays in L2
const B_BLOCK_BYTES = 16 * 2 ** 20; // packed columns of b held at once
const F64 = 8;
const PAGE = 65536;

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

if (ROWS !== 4 || COLUMNS !== 4) throw new Error('matmul-wasm: the packing loops below are unrolled for 4 x 4 panels');

/**
 * Row panels of a[rowStart .. rowStart+rows, :], zero-padded to whole panels. The loop runs
 * along p with the panel's 4 rows unrolled, so writes are sequential and reads advance along
 * 4 rows (or, for a transposed a, along 4 adjacent columns) together.
 */
function packRows(x: TypedArray, base: number, rowStride: number, colStride: number, rowStart: number, rows: number, k: number, out: Float64Array): void {
  for (let i0 = 0; i0 < rows; i0 += ROWS) {
    const r0 = base + (rowStart + i0) * rowStride;
    // Rows past the end hold row r0 times 0. Their results are never stored, so whatever they hold
    // (NaN, from 0 · ∞) cannot reach the output: each output row depends on its own row of a only.
    const r1 = i0 + 1 < rows ? r0 + rowStride : r0;
    const r2 = i0 + 2 < rows ? r0 + 2 * rowStride : r0;
    const r3 = i0 + 3 < rows ? r0 + 3 * rowStride : r0;
    const [m1, m2, m3] = [i0 + 1 < rows ? 1 : 0, i0 + 2 < rows ? 1 : 0, i0 + 3 < rows ? 1 : 0];
    if (m3 === 1) {
      for (let p = 0, at = i0 * k, c = 0; p < k; p++, at += 4, c += colStride) {
        out[at] = x[r0 + c]!; out[at + 1] = x[r1 + c]!; out[at + 2] = x[r2 + c]!; out[at + 3] = x[r3 + c]!;
      }
    } else {
      for (let p = 0, at = i0 * k, c = 0; p < k; p++, at += 4, c += colStride) {
        out[at] = x[r0 + c]!; out[at + 1] = m1 * x[r1 + c]!; out[at + 2] = m2 * x[r2 + c]!; out[at + 3] = m3 * x[r3 + c]!;
      }
    }
  }
}

/** Column panels of b[:, colStart .. colStart+columns], zero-padded to whole panels (as packRows). */
function packColumns(y: TypedArray, base: number, rowStride: number, colStride: number, colStart: number, columns: number, k: number, out: Float64Array): void {
  for (let j0 = 0; j0 < columns; j0 += COLUMNS) {
    const c0 = base + (colStart + j0) * colStride;
    const c1 = j0 + 1 < columns ? c0 + colStride : c0;
    const c2 = j0 + 2 < columns ? c0 + 2 * colStride : c0;
    const c3 = j0 + 3 < columns ? c0 + 3 * colStride : c0;
    const [m1, m2, m3] = [j0 + 1 < columns ? 1 : 0, j0 + 2 < columns ? 1 : 0, j0 + 3 < columns ? 1 : 0];
    if (m3 === 1) {
      for (let p = 0, at = j0 * k, r = 0; p < k; p++, at += 4, r += rowStride) {
        out[at] = y[c0 + r]!; out[at + 1] = y[c1 + r]!; out[at + 2] = y[c2 + r]!; out[at + 3] = y[c3 + r]!;
      }
    } else {
      for (let p = 0, at = j0 * k, r = 0; p < k; p++, at += 4, r += rowStride) {
        out[at] = y[c0 + r]!; out[at + 1] = m1 * y[c1 + r]!; out[at + 2] = m2 * y[c2 + r]!; out[at + 3] = m3 * y[c3 + r]!;
      }
    }
  }
}

export function matmulWasm(gemm: Gemm, a: View, b: View): TypedArray {
  const rank = a.shape.length;
  const [m, k, n] = [a.shape[rank - 2]!, a.shape[rank - 1]!, b.shape[rank - 1]!];
  const [aRow, aCol] = [a.strides[rank - 2]!, a.strides[rank - 1]!];
  const [bRow, bCol] = [b.strides[rank - 2]!, b.strides[rank - 1]!];
  const aStarts = offsetsOf(a.shape.slice(0, -2), a.strides.slice(0, -2), a.offset);
  const bStarts = offsetsOf(b.shape.slice(0, -2), b.strides.slice(0, -2), b.offset);
  const out = allocateArray(a.storage.dtype, aStarts.length * m * n);
  if (k === 0 || m === 0 || n === 0) return out; // an empty sum is zero

  const columnBlock = Math.min(roundUp(n, COLUMNS), Math.max(COLUMNS, Math.floor(B_BLOCK_BYTES / (k * F64 * COLUMNS)) * COLUMNS));
  const rowBlock = Math.min(roundUp(m, ROWS), BLOCK_ROWS);
  // Scratch layout in the kernel's memory: [packed a block | packed b block | float64 c tile].
  const aBytes = rowBlock * k * F64;
  const bBytes = columnBlock * k * F64;
  const cBytes = rowBlock * columnBlock * F64;
  const needed = aBytes + bBytes + cBytes;
  if (gemm.memory.buffer.byteLength < needed) gemm.memory.grow(Math.ceil((needed - gemm.memory.buffer.byteLength) / PAGE));
  const packedA = new Float64Array(gemm.memory.buffer, 0, aBytes / F64);
  const packedB = new Float64Array(gemm.memory.buffer, aBytes, bBytes / F64);
  const tile = new Float64Array(gemm.memory.buffer, aBytes + bBytes, cBytes / F64);
  const [x, y] = [dataOf(a), dataOf(b)];

  for (let batch = 0; batch < aStarts.length; batch++) {
    const outBase = batch * m * n;
    for (let jc = 0; jc < n; jc += columnBlock) {
      const columns = Math.min(columnBlock, n - jc);
      const paddedColumns = roundUp(columns, COLUMNS);
      packColumns(y, bStarts[batch]!, bRow, bCol, jc, columns, k, packedB);
      for (let ic = 0; ic < m; ic += rowBlock) {
        const rows = Math.min(rowBlock, m - ic);
        packRows(x, aStarts[batch]!, aRow, aCol, ic, rows, k, packedA);
        runBlock(gemm, 0, aBytes, aBytes + bBytes, roundUp(rows, ROWS) / ROWS, paddedColumns / COLUMNS, k, ROWS * k * F64, COLUMNS * k * F64, paddedColumns * F64);
        for (let i = 0; i < rows; i++) {
          // One rounding per element, as the specification's store (TypedArray set converts like assignment).
          out.set(tile.subarray(i * paddedColumns, i * paddedColumns + columns), outBase + (ic + i) * n + jc);
        }
      }
    }
  }
  return out;
}
