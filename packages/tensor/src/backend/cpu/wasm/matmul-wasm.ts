import type { TypedArray } from '../../../dtype.js';
import { allocateArray } from '../../../dtype.js';
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

/** Row panels of a[rowStart .. rowStart+rows, :], zero-padded to whole panels. */
function packRows(x: TypedArray, base: number, rowStride: number, colStride: number, rowStart: number, rows: number, k: number, out: Float64Array): void {
  const padded = roundUp(rows, ROWS);
  for (let i = 0; i < padded; i++) {
    const at = (i - (i % ROWS)) * k + (i % ROWS);
    if (i >= rows) {
      for (let p = 0; p < k; p++) out[at + p * ROWS] = 0;
      continue;
    }
    const start = base + (rowStart + i) * rowStride;
    for (let p = 0; p < k; p++) out[at + p * ROWS] = x[start + p * colStride]!;
  }
}

/** Column panels of b[:, colStart .. colStart+columns], zero-padded to whole panels. */
function packColumns(y: TypedArray, base: number, rowStride: number, colStride: number, colStart: number, columns: number, k: number, out: Float64Array): void {
  const padded = roundUp(columns, COLUMNS);
  for (let j0 = 0; j0 < padded; j0 += COLUMNS) {
    for (let p = 0; p < k; p++) {
      const at = j0 * k + p * COLUMNS;
      const row = base + p * rowStride;
      for (let c = 0; c < COLUMNS; c++) {
        const j = j0 + c;
        out[at + c] = j < columns ? y[row + (colStart + j) * colStride]! : 0;
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
          const from = i * paddedColumns;
          const to = outBase + (ic + i) * n + jc;
          for (let j = 0; j < columns; j++) out[to + j] = tile[from + j]!; // one rounding, as the specification
        }
      }
    }
  }
  return out;
}
