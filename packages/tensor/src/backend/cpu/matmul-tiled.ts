import type { TypedArray } from '../../dtype.js';
import { allocateArray } from './pool.js';
import type { View } from '../backend.js';
import { rowMajorCopy } from './elementwise.js';
import { dataOf } from './storage.js';
import { offsetsOf } from './strided.js';

/**
 * A register-tiled matmul: the fast CPU path for small products. It computes each output exactly
 * as the specification does (a sum over p in increasing order, in float32 for float32 tensors
 * and in float64 otherwise — see matmul.ts), so results are bit-identical; only the loop
 * structure differs:
 *
 * - B is packed into panels of 4 columns (k x 4, contiguous), so the inner loop reads it
 *   sequentially whatever B's strides;
 * - each step of the inner loop loads 4 values of A and 4 of B and updates a 4 x 4 tile of
 *   sixteen accumulators held in local variables (registers), so every load feeds 4
 *   multiply-adds instead of 1.
 */
const TILE = 4;

function packPanels(b: View, base: number, k: number, n: number, out: TypedArray): void {
  const src = dataOf(b);
  const [rowStride, colStride] = [b.strides[b.shape.length - 2]!, b.strides[b.shape.length - 1]!];
  const panels = Math.ceil(n / TILE);
  for (let q = 0; q < panels; q++) {
    for (let p = 0; p < k; p++) {
      for (let jj = 0; jj < TILE; jj++) {
        const j = q * TILE + jj;
        out[(q * k + p) * TILE + jj] = j < n ? src[base + p * rowStride + j * colStride]! : 0;
      }
    }
  }
}

export function matmulTiled(aView: View, b: View): TypedArray {
  // A's rows must be contiguous for the tile loads.
  const a = aView.strides[aView.strides.length - 1] === 1 ? aView : rowMajorCopy(aView);
  const rank = a.shape.length;
  const [m, k, n] = [a.shape[rank - 2]!, a.shape[rank - 1]!, b.shape[rank - 1]!];
  const aRow = a.strides[rank - 2]!;
  const aStarts = offsetsOf(a.shape.slice(0, -2), a.strides.slice(0, -2), a.offset);
  const bStarts = offsetsOf(b.shape.slice(0, -2), b.strides.slice(0, -2), b.offset);
  const x = dataOf(a);
  const out = allocateArray(a.storage.dtype, aStarts.length * m * n);
  const float32 = a.storage.dtype === 'float32';
  const fr = Math.fround;
  const panels = Math.ceil(n / TILE);
  const packed = allocateArray(b.storage.dtype, panels * k * TILE); // B's own dtype: exact, and half the memory for float32
  for (let batch = 0; batch < aStarts.length; batch++) {
    packPanels(b, bStarts[batch]!, k, n, packed);
    const aBase = aStarts[batch]!;
    const outBase = batch * m * n;
    for (let i = 0; i < m; i += TILE) {
      const rows = Math.min(TILE, m - i);
      // Rows past the end repeat the last row; their results are not stored.
      const r0 = aBase + i * aRow;
      const r1 = aBase + (i + Math.min(1, rows - 1)) * aRow;
      const r2 = aBase + (i + Math.min(2, rows - 1)) * aRow;
      const r3 = aBase + (i + Math.min(3, rows - 1)) * aRow;
      for (let q = 0; q < panels; q++) {
        let c00 = 0,
          c01 = 0,
          c02 = 0,
          c03 = 0,
          c10 = 0,
          c11 = 0,
          c12 = 0,
          c13 = 0;
        let c20 = 0,
          c21 = 0,
          c22 = 0,
          c23 = 0,
          c30 = 0,
          c31 = 0,
          c32 = 0,
          c33 = 0;
        // Two copies of the loop, so that the float64 one carries no per-step test or fround.
        if (!float32)
          for (let p = 0, o = q * k * TILE; p < k; p++, o += TILE) {
            const b0 = packed[o]!,
              b1 = packed[o + 1]!,
              b2 = packed[o + 2]!,
              b3 = packed[o + 3]!;
            const a0 = x[r0 + p]!,
              a1 = x[r1 + p]!,
              a2 = x[r2 + p]!,
              a3 = x[r3 + p]!;
            c00 += a0 * b0;
            c01 += a0 * b1;
            c02 += a0 * b2;
            c03 += a0 * b3;
            c10 += a1 * b0;
            c11 += a1 * b1;
            c12 += a1 * b2;
            c13 += a1 * b3;
            c20 += a2 * b0;
            c21 += a2 * b1;
            c22 += a2 * b2;
            c23 += a2 * b3;
            c30 += a3 * b0;
            c31 += a3 * b1;
            c32 += a3 * b2;
            c33 += a3 * b3;
          }
        else
          for (let p = 0, o = q * k * TILE; p < k; p++, o += TILE) {
            const b0 = packed[o]!,
              b1 = packed[o + 1]!,
              b2 = packed[o + 2]!,
              b3 = packed[o + 3]!;
            const a0 = x[r0 + p]!,
              a1 = x[r1 + p]!,
              a2 = x[r2 + p]!,
              a3 = x[r3 + p]!;
            c00 = fr(c00 + fr(a0 * b0));
            c01 = fr(c01 + fr(a0 * b1));
            c02 = fr(c02 + fr(a0 * b2));
            c03 = fr(c03 + fr(a0 * b3));
            c10 = fr(c10 + fr(a1 * b0));
            c11 = fr(c11 + fr(a1 * b1));
            c12 = fr(c12 + fr(a1 * b2));
            c13 = fr(c13 + fr(a1 * b3));
            c20 = fr(c20 + fr(a2 * b0));
            c21 = fr(c21 + fr(a2 * b1));
            c22 = fr(c22 + fr(a2 * b2));
            c23 = fr(c23 + fr(a2 * b3));
            c30 = fr(c30 + fr(a3 * b0));
            c31 = fr(c31 + fr(a3 * b1));
            c32 = fr(c32 + fr(a3 * b2));
            c33 = fr(c33 + fr(a3 * b3));
          }
        const j = q * TILE;
        const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let ii = 0; ii < rows; ii++) {
          for (let jj = 0; jj < TILE && j + jj < n; jj++) out[outBase + (i + ii) * n + j + jj] = tile[ii * TILE + jj]!;
        }
      }
    }
  }
  return out;
}
