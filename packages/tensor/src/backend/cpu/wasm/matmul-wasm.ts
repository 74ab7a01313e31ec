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
 *     for each block of ≤ BLOCK_ROWS rows of a: pack them into row panels
 *       run the kernel's block over them in depth slabs, its column panels shared out between threads
 *       round the float64 tile into the output
 *
 * Packing converts to float64 and reads any strides, so transposed operands cost nothing extra.
 * Results are bit-identical to the specification (see gemm-module.ts).
 */
const BLOCK_ROWS = 128; // one a block slab (128 x 256 x 8 B = 256 KiB) stays in L2
const PACKED_BYTES = 16 * 2 ** 20; // packed rows of a, and packed columns of b, held at once (each)
const F64 = 8;
const PAGE = 65536;

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

if (ROWS !== 4 || COLUMNS !== 4) throw new Error('matmul-wasm: the packing loop below is unrolled for panels of 4');

/**
 * Packs `lanes` lines of a strided matrix, starting at line `laneStart`, into panels of 4 lines
 * interleaved along p (k steps), zero-padded to whole panels: panel q holds line 4q + l at step
 * p in out[q·4k + 4p + l]. For a's row panels the lines are rows of a and p walks along them;
 * for b's column panels the lines are columns of b and p walks down them. The loop runs along p
 * with the 4 lines unrolled, so writes are sequential and the 4 reads advance together.
 */
function packPanels(
  src: TypedArray,
  base: number,
  laneStride: number,
  stepStride: number,
  laneStart: number,
  lanes: number,
  k: number,
  out: Float64Array,
): void {
  for (let l0 = 0; l0 < lanes; l0 += 4) {
    const s0 = base + (laneStart + l0) * laneStride;
    // Lines past the end repeat line s0 times 0. Their results are never stored, so whatever they
    // hold (NaN, from 0 · ∞) cannot reach the output: each output depends on its own row of a and column of b.
    const [m1, m2, m3] = [l0 + 1 < lanes ? 1 : 0, l0 + 2 < lanes ? 1 : 0, l0 + 3 < lanes ? 1 : 0];
    const [s1, s2, s3] = [s0 + m1 * laneStride, s0 + 2 * m2 * laneStride, s0 + 3 * m3 * laneStride];
    if (m3 === 1) {
      for (let p = 0, at = l0 * k, step = 0; p < k; p++, at += 4, step += stepStride) {
        out[at] = src[s0 + step]!;
        out[at + 1] = src[s1 + step]!;
        out[at + 2] = src[s2 + step]!;
        out[at + 3] = src[s3 + step]!;
      }
    } else {
      for (let p = 0, at = l0 * k, step = 0; p < k; p++, at += 4, step += stepStride) {
        out[at] = src[s0 + step]!;
        out[at + 1] = m1 * src[s1 + step]!;
        out[at + 2] = m2 * src[s2 + step]!;
        out[at + 3] = m3 * src[s3 + step]!;
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

  // Whole panels of 4 that fit the packing budget, whatever k (a long k shrinks the blocks).
  const lanesThatFit = Math.max(4, Math.floor(PACKED_BYTES / (k * F64 * 4)) * 4);
  const columnBlock = Math.min(roundUp(n, COLUMNS), lanesThatFit);
  const rowBlock = Math.min(roundUp(m, ROWS), BLOCK_ROWS, lanesThatFit);
  // Scratch layout in the kernel's memory: [packed a block | packed b block | float64 c tile].
  const aBytes = rowBlock * k * F64;
  const bBytes = columnBlock * k * F64;
  const cBytes = rowBlock * columnBlock * F64;
  const needed = aBytes + bBytes + cBytes;
  if (gemm.memory.buffer.byteLength < needed)
    gemm.memory.grow(Math.ceil((needed - gemm.memory.buffer.byteLength) / PAGE));
  const packedA = new Float64Array(gemm.memory.buffer, 0, aBytes / F64);
  const packedB = new Float64Array(gemm.memory.buffer, aBytes, bBytes / F64);
  const tile = new Float64Array(gemm.memory.buffer, aBytes + bBytes, cBytes / F64);
  const [x, y] = [dataOf(a), dataOf(b)];

  for (let batch = 0; batch < aStarts.length; batch++) {
    const outBase = batch * m * n;
    for (let jc = 0; jc < n; jc += columnBlock) {
      const columns = Math.min(columnBlock, n - jc);
      const paddedColumns = roundUp(columns, COLUMNS);
      packPanels(y, bStarts[batch]!, bCol, bRow, jc, columns, k, packedB); // b's columns
      for (let ic = 0; ic < m; ic += rowBlock) {
        const rows = Math.min(rowBlock, m - ic);
        packPanels(x, aStarts[batch]!, aRow, aCol, ic, rows, k, packedA); // a's rows
        runBlock(
          gemm,
          0,
          aBytes,
          aBytes + bBytes,
          roundUp(rows, ROWS) / ROWS,
          paddedColumns / COLUMNS,
          k,
          ROWS * k * F64,
          COLUMNS * k * F64,
          paddedColumns * F64,
        );
        for (let i = 0; i < rows; i++) {
          // One rounding per element, as the specification's store (TypedArray set converts like assignment).
          out.set(tile.subarray(i * paddedColumns, i * paddedColumns + columns), outBase + (ic + i) * n + jc);
        }
      }
    }
  }
  return out;
}
