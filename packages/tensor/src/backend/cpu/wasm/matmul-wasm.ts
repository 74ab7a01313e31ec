import type { TypedArray } from '../../../dtype.js';
import { allocateOutput } from '../pool.js';
import type { View } from '../../backend.js';
import { dataOf } from '../storage.js';
import type { Addend } from '../matmul-store.js';
import { addInPlace, storeRows } from '../matmul-store.js';
import { offsetsOf } from '../strided.js';
import type { KernelPrecision } from './gemm-module.js';
import { FLOAT32_KERNEL, FLOAT64_KERNEL } from './gemm-module.js';
import type { Gemm } from './gemm-runtime.js';
import { runBlock } from './gemm-runtime.js';
import { CHUNK_PANELS } from './handover.js';

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
 * Packing reads any strides (so transposed operands cost nothing extra) into the kernel's precision:
 * float32 operands stay float32 (f32x4), others become float64 (f64x2). Results are bit-identical
 * to the specification (see gemm-module.ts).
 */
const BLOCK_ROWS = 128; // one a block slab (128 x 256 x 8 B = 256 KiB) stays in L2
const PACKED_BYTES = 16 * 2 ** 20; // packed rows of a, and packed columns of b, held at once (each)
const PAGE = 65536;

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

/**
 * Packs `lanes` lines of a strided matrix, starting at line `laneStart`, into panels of `width`
 * lines interleaved along p (k steps), zero-padded to whole panels: panel q holds line
 * width·q + l at step p in out[q·width·k + width·p + l]. For a's row panels the lines are rows of
 * a and p walks along them; for b's column panels the lines are columns of b and p walks down
 * them. Writes are sequential; the `width` reads of one step advance together, unrolled for full
 * panels of 4 lines (a's rows; float64 b) and of 8 (float32 b), the packing's hot cases.
 */
function packPanels(
  src: TypedArray,
  base: number,
  laneStride: number,
  stepStride: number,
  laneStart: number,
  lanes: number,
  k: number,
  width: number,
  out: Float32Array | Float64Array,
): void {
  for (let l0 = 0; l0 < lanes; l0 += width) {
    const s0 = base + (laneStart + l0) * laneStride;
    const full = Math.min(width, lanes - l0);
    let at = l0 * k;
    if (width === 4 && full === 4) {
      const [s1, s2, s3] = [s0 + laneStride, s0 + 2 * laneStride, s0 + 3 * laneStride];
      for (let p = 0, step = 0; p < k; p++, at += 4, step += stepStride) {
        out[at] = src[s0 + step]!;
        out[at + 1] = src[s1 + step]!;
        out[at + 2] = src[s2 + step]!;
        out[at + 3] = src[s3 + step]!;
      }
    } else if (width === 8 && full === 8) {
      // float32 b panels: eight lines unrolled as above (a loop over l here is twice as slow).
      const [s1, s2, s3, s4] = [s0 + laneStride, s0 + 2 * laneStride, s0 + 3 * laneStride, s0 + 4 * laneStride];
      const [s5, s6, s7] = [s0 + 5 * laneStride, s0 + 6 * laneStride, s0 + 7 * laneStride];
      for (let p = 0, step = 0; p < k; p++, at += 8, step += stepStride) {
        out[at] = src[s0 + step]!;
        out[at + 1] = src[s1 + step]!;
        out[at + 2] = src[s2 + step]!;
        out[at + 3] = src[s3 + step]!;
        out[at + 4] = src[s4 + step]!;
        out[at + 5] = src[s5 + step]!;
        out[at + 6] = src[s6 + step]!;
        out[at + 7] = src[s7 + step]!;
      }
    } else {
      // Lines past the end are zero: their results are never stored.
      for (let p = 0, step = s0; p < k; p++, at += width, step += stepStride) {
        for (let l = 0; l < width; l++) out[at + l] = l < full ? src[step + l * laneStride]! : 0;
      }
    }
  }
}

/** The kernel for a dtype: float32 tensors accumulate in float32, float64 (and others) in float64. */
export const kernelFor = (dtype: string): KernelPrecision => (dtype === 'float32' ? FLOAT32_KERNEL : FLOAT64_KERNEL);

export function matmulWasm(gemm: Gemm, a: View, b: View, addend: Addend | null = null): TypedArray {
  const rank = a.shape.length;
  const [m, k, n] = [a.shape[rank - 2]!, a.shape[rank - 1]!, b.shape[rank - 1]!];
  const aStarts = offsetsOf(a.shape.slice(0, -2), a.strides.slice(0, -2), a.offset);
  const bStarts = offsetsOf(b.shape.slice(0, -2), b.strides.slice(0, -2), b.offset);
  const out = allocateOutput(a.storage.dtype, aStarts.length * m * n); // every element is written below
  if (k === 0 || m === 0 || n === 0) {
    out.fill(0); // an empty sum is zero
    if (addend) addInPlace(out, aStarts.length * m, n, addend);
    return out;
  }

  const kernel = kernelFor(a.storage.dtype);
  const { rows: ROWS, columns: COLUMNS, bytes: BYTES } = kernel;
  // Whole panels that fit the packing budget, whatever k (a long k shrinks the blocks).
  const lanesThatFit = Math.max(COLUMNS, Math.floor(PACKED_BYTES / (k * BYTES * COLUMNS)) * COLUMNS);
  const columnBlock = Math.min(roundUp(n, COLUMNS), lanesThatFit);
  const rowBlock = Math.min(roundUp(m, ROWS), Math.floor(BLOCK_ROWS / ROWS) * ROWS, roundUp(lanesThatFit, ROWS));
  const [aRow, aCol] = [a.strides[rank - 2]!, a.strides[rank - 1]!];
  const [bRow, bCol] = [b.strides[rank - 2]!, b.strides[rank - 1]!];
  const product: Product = { gemm, kernel, a, b, out, m, k, n, aStarts, bStarts, aRow, aCol, bRow, bCol, addend };
  if (aStarts.length > 1 && rowBlock >= m && columnBlock >= n) multiplySmallBatches(product);
  else if (isSkinny(product)) multiplySkinny(product);
  else multiplyInBlocks(product, rowBlock, columnBlock);
  return out;
}

/** One batched product and where its operands start. */
interface Product {
  gemm: Gemm;
  kernel: KernelPrecision;
  a: View;
  b: View;
  out: TypedArray;
  m: number;
  k: number;
  n: number;
  aStarts: ArrayLike<number>;
  bStarts: ArrayLike<number>;
  /** The row and column strides of a and of b. */
  aRow: number;
  aCol: number;
  bRow: number;
  bCol: number;
  /** matmulAdd's c, added as each row is stored; null for a plain product. */
  addend: Addend | null;
}

/** The block layout every plan shares: panels of depth k, c tiles `paddedColumns` wide. */
function panelLayout(kernel: KernelPrecision, k: number, paddedColumns: number) {
  return {
    columnPanels: paddedColumns / kernel.columns,
    depth: k,
    aPanelBytes: kernel.rows * k * kernel.bytes,
    bPanelBytes: kernel.columns * k * kernel.bytes,
    cRowBytes: paddedColumns * kernel.bytes,
  };
}

/** Makes the kernel's memory at least `bytes` long; returns a typed view of it in the kernel's precision. */
function scratch(gemm: Gemm, kernel: KernelPrecision, bytes: number) {
  if (gemm.memory.buffer.byteLength < bytes)
    gemm.memory.grow(Math.ceil((bytes - gemm.memory.buffer.byteLength) / PAGE));
  return (byteOffset: number, length: number) =>
    kernel.bytes === 4
      ? new Float32Array(gemm.memory.buffer, byteOffset, length / 4)
      : new Float64Array(gemm.memory.buffer, byteOffset, length / 8);
}

/** Each batch in blocks of rows and columns, one block at a time, its column panels shared between threads. */
function multiplyInBlocks(p: Product, rowBlock: number, columnBlock: number): void {
  const { gemm, kernel, a, b, out, m, k, n, aStarts, bStarts, aRow, aCol, bRow, bCol, addend } = p;
  const { rows: ROWS, columns: COLUMNS, bytes: BYTES } = kernel;
  // Scratch layout in the kernel's memory: [packed a block | packed b block | c tile].
  const aBytes = rowBlock * k * BYTES;
  const bBytes = columnBlock * k * BYTES;
  const cBytes = rowBlock * columnBlock * BYTES;
  const view = scratch(gemm, kernel, aBytes + bBytes + cBytes);
  const [packedA, packedB, tile] = [view(0, aBytes), view(aBytes, bBytes), view(aBytes + bBytes, cBytes)];
  const [x, y] = [dataOf(a), dataOf(b)];

  for (let batch = 0; batch < aStarts.length; batch++) {
    for (let jc = 0; jc < n; jc += columnBlock) {
      const columns = Math.min(columnBlock, n - jc);
      const paddedColumns = roundUp(columns, COLUMNS);
      packPanels(y, bStarts[batch]!, bCol, bRow, jc, columns, k, COLUMNS, packedB); // b's columns
      for (let ic = 0; ic < m; ic += rowBlock) {
        const rows = Math.min(rowBlock, m - ic);
        packPanels(x, aStarts[batch]!, aRow, aCol, ic, rows, k, ROWS, packedA); // a's rows
        runBlock(gemm, kernel, {
          a: 0,
          b: aBytes,
          c: aBytes + bBytes,
          rowPanels: roundUp(rows, ROWS) / ROWS,
          ...panelLayout(kernel, k, paddedColumns),
        });
        // One rounding per element (none for float32), as the specification's store; then matmulAdd's c.
        storeRows(out, n, tile, paddedColumns, rows, columns, addend, batch * m + ic, jc);
      }
    }
  }
}

/**
 * Batches whose products each fit one block (attention's per-head q kᵀ and p v, say): as many
 * as fit the packing budget are packed side by side and run as one call, whose units of work
 * (a chunk of one product's column panels) the threads share — rather than one hand-over per
 * small product.
 */
function multiplySmallBatches(p: Product): void {
  const { gemm, kernel, a, b, out, m, k, n, aStarts, bStarts, aRow, aCol, bRow, bCol, addend } = p;
  const { rows: ROWS, columns: COLUMNS, bytes: BYTES } = kernel;
  const [paddedRows, paddedColumns] = [roundUp(m, ROWS), roundUp(n, COLUMNS)];
  const [aBytes, bBytes, cBytes] = [
    paddedRows * k * BYTES,
    paddedColumns * k * BYTES,
    paddedRows * paddedColumns * BYTES,
  ];
  const perBatch = aBytes + bBytes + cBytes;
  const group = Math.max(1, Math.min(aStarts.length, Math.floor((2 * PACKED_BYTES) / perBatch)));
  const view = scratch(gemm, kernel, group * perBatch);
  const [x, y] = [dataOf(a), dataOf(b)];
  for (let first = 0; first < aStarts.length; first += group) {
    const batches = Math.min(group, aStarts.length - first);
    for (let i = 0; i < batches; i++) {
      const at = i * perBatch;
      packPanels(x, aStarts[first + i]!, aRow, aCol, 0, m, k, ROWS, view(at, aBytes));
      packPanels(y, bStarts[first + i]!, bCol, bRow, 0, n, k, COLUMNS, view(at + aBytes, bBytes));
    }
    runBlock(gemm, kernel, {
      a: 0,
      b: aBytes,
      c: aBytes + bBytes,
      rowPanels: paddedRows / ROWS,
      ...panelLayout(kernel, k, paddedColumns),
      batches,
      aBatchBytes: perBatch,
      bBatchBytes: perBatch,
      cBatchBytes: perBatch,
    });
    for (let i = 0; i < batches; i++) {
      const tile = view(i * perBatch + aBytes + bBytes, cBytes);
      storeRows(out, n, tile, paddedColumns, m, n, addend, (first + i) * m);
    }
  }
}

/** Rows of a per unit of work in multiplySkinny. */
const SKINNY_ROWS = 64;

/**
 * Few columns (n up to one chunk of column panels: LoRA's rank-r products X Aᵀ, Gᵀ H, …) give
 * the threads nothing to share within a row block. Such a product is run with its units of work
 * along the rows instead.
 */
function isSkinny({ kernel, m, k, n }: Product): boolean {
  const columnPanels = Math.ceil(n / kernel.columns);
  return columnPanels <= CHUNK_PANELS && m > SKINNY_ROWS && (m + n) * k * kernel.bytes <= PACKED_BYTES;
}

/**
 * How a float32 a is laid out for the strided kernel: a plain copy of its rows (row-major: each
 * row's k values side by side) or of its columns (transposed: each step's m values side by side),
 * one line after another `lineLength` values apart. Null where a is neither (it is packed then).
 * Transposed lines get 16 values of slack so that lines 4 KiB apart do not all fall in one cache
 * set as the kernel walks down them.
 */
function stridedLayout({ kernel, m, k, aRow, aCol }: Product) {
  if (kernel !== FLOAT32_KERNEL) return null;
  const units = Math.ceil(m / SKINNY_ROWS) * SKINNY_ROWS; // rows the kernel reads (those past m are never stored)
  if (aCol === 1) return { transposed: false, lines: units, lineLength: k, rowBytes: k * 4, stepBytes: 4 };
  if (aRow === 1) {
    const lineLength = units + 16;
    return { transposed: true, lines: k, lineLength, rowBytes: 4, stepBytes: lineLength * 4 };
  }
  return null;
}

/** Copies one batch of a into `into` as `stridedLayout` says (whole lines at a time: memcpy). */
function copyStrided(
  p: Product,
  batch: number,
  layout: NonNullable<ReturnType<typeof stridedLayout>>,
  into: TypedArray,
) {
  const { a, m, k, aStarts, aRow, aCol } = p;
  const x = dataOf(a);
  const start = aStarts[batch]!;
  const [count, length, stride] = layout.transposed ? [k, m, aCol] : [m, k, aRow];
  if (stride === length && layout.lineLength === length) {
    into.set(x.subarray(start, start + count * length)); // back to back in a and in the copy: one copy
    return;
  }
  for (let line = 0; line < count; line++) {
    into.set(x.subarray(start + line * stride, start + line * stride + length), line * layout.lineLength);
  }
}

/**
 * Every batch's whole a at once, in units of SKINNY_ROWS rows, run as one call whose units (a
 * unit of rows against all of b, which they share) the threads take in turn. A float32 a is read
 * in place from a plain copy by the strided kernel (in a rank-r product it is the big operand,
 * read once: packing it cost more than the product); other a are packed.
 */
function multiplySkinny(p: Product): void {
  const { gemm, kernel, a, b, out, m, k, n, aStarts, bStarts, aRow, aCol, bRow, bCol, addend } = p;
  const { rows: ROWS, columns: COLUMNS, bytes: BYTES } = kernel;
  const units = Math.ceil(m / SKINNY_ROWS);
  const paddedColumns = roundUp(n, COLUMNS);
  const strided = stridedLayout(p);
  const aUnitBytes = strided ? SKINNY_ROWS * strided.rowBytes : SKINNY_ROWS * k * BYTES;
  const aBytes = strided ? strided.lines * strided.lineLength * BYTES : units * aUnitBytes;
  const cUnitBytes = SKINNY_ROWS * paddedColumns * BYTES;
  const bBytes = paddedColumns * k * BYTES;
  const [aAt, bAt, cAt] = [0, aBytes, aBytes + bBytes];
  const view = scratch(gemm, kernel, cAt + units * cUnitBytes);
  const [x, y] = [dataOf(a), dataOf(b)];
  for (let batch = 0; batch < aStarts.length; batch++) {
    packPanels(y, bStarts[batch]!, bCol, bRow, 0, n, k, COLUMNS, view(bAt, bBytes));
    if (strided) copyStrided(p, batch, strided, view(aAt, aBytes));
    for (let u = 0; u < units && !strided; u++) {
      const rows = Math.min(SKINNY_ROWS, m - u * SKINNY_ROWS);
      // A last unit of fewer rows leaves panels unpacked: their sums are never stored.
      packPanels(
        x,
        aStarts[batch]!,
        aRow,
        aCol,
        u * SKINNY_ROWS,
        rows,
        k,
        ROWS,
        view(aAt + u * aUnitBytes, aUnitBytes),
      );
    }
    runBlock(gemm, kernel, {
      a: aAt,
      b: bAt,
      c: cAt,
      rowPanels: SKINNY_ROWS / ROWS,
      ...panelLayout(kernel, k, paddedColumns),
      ...(strided && {
        aPanelBytes: ROWS * strided.rowBytes,
        aStrided: { rowBytes: strided.rowBytes, stepBytes: strided.stepBytes },
      }),
      batches: units,
      aBatchBytes: aUnitBytes,
      bBatchBytes: 0,
      cBatchBytes: cUnitBytes,
    });
    const tile = view(cAt, units * cUnitBytes);
    storeRows(out, n, tile, paddedColumns, m, n, addend, batch * m);
  }
}
