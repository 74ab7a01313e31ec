import type { Bytes } from './encoding.js';
import { MAGIC_AND_VERSION, Op, Section, Simd, ValueType, name, section, unsigned, vector } from './encoding.js';
import { advance, countedLoop, functionBody, memoryImport, whileBelow } from './control.js';

/**
 * The matmul micro-kernels, written as WebAssembly bytes at run time (as jax-js does). For each
 * precision (float64 and float32) the module exports
 *
 *   block(a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes)
 *
 * over packed operands in the module's imported memory:
 * - `a` holds row panels of `rows` rows: panel i stores a[i·rows + r, p] at (p·rows + r), so the
 *   values the kernel needs for step p are adjacent; consecutive panels are aPanelBytes apart;
 * - `b` holds column panels of `columns` columns, b[p, j·columns + c] at (p·columns + c),
 *   bPanelBytes apart;
 * - `c` is a row-major tile of the same precision, cRowBytes per row.
 *
 * For every pair of panels it runs `depth` steps of a rows x columns outer-product update held in
 * 128-bit registers, starting from zero for the first depth slab and from the partial sums already
 * in `c` after it, and stores the sums back to `c`. Each element's sum therefore runs over p in
 * increasing order, one rounded multiply then one rounded add per step, exactly as the
 * specification's loop does (matmul.ts), so a matmul split into depth slabs is bit-identical to
 * one pass. WebAssembly never fuses a multiply and an add.
 * - float64 (`f64x2`, 2 lanes): the specification accumulates float64 tensors in float64.
 * - float32 (`f32x4`, 4 lanes): the specification accumulates float32 tensors in float32
 *   (docs/architecture.md, "float32 matmul semantics"), so twice the lanes do the same work.
 *
 * Tiles of 8 accumulator registers (4 x 4 for float64, 4 x 8 for float32) measured fastest in V8:
 * larger tiles spill.
 */
/** One precision's kernel: its tile, its lanes and its instructions. */
export interface KernelPrecision {
  /** Rows of a (and of the c tile) per panel. */
  readonly rows: number;
  /** Columns of b (and of the c tile) per panel. */
  readonly columns: number;
  /** Bytes per element. */
  readonly bytes: number;
  /** Elements per 128-bit vector. */
  readonly lanes: number;
  /** Loads one element and copies it into every lane. */
  readonly splat: (offset: number) => Bytes;
  readonly add: Bytes;
  readonly mul: Bytes;
}

/** float64 tensors: 2 lanes, a 4 x 4 tile. */
export const FLOAT64_KERNEL: KernelPrecision = {
  rows: 4,
  columns: 4,
  bytes: 8,
  lanes: 2,
  splat: Simd.load64Splat,
  add: Simd.f64x2Add,
  mul: Simd.f64x2Mul,
};
/** float32 tensors: 4 lanes, a 4 x 8 tile. */
export const FLOAT32_KERNEL: KernelPrecision = {
  rows: 4,
  columns: 8,
  bytes: 4,
  lanes: 4,
  splat: Simd.load32Splat,
  add: Simd.f32x4Add,
  mul: Simd.f32x4Mul,
};

/**
 * Where a's values sit: in packed row panels (above), or `strided` — a[r, p] of a panel at
 * r·aRowBytes + p·aStepBytes from the panel's start, read in place from a plain copy of a (row-
 * major: aStepBytes = bytes; transposed: aRowBytes = bytes). The strided kernel reads a's rows as
 * `rows` pointers walking side by side, which saves packing an operand that is used only once
 * (the big operand of a rank-r product) at the cost of three more pointer adds per step.
 */
export type ALayout = 'packed' | 'strided';

// Parameters, then locals, numbered in declaration order. aRowBytes and aStepBytes are read by
// the strided kernel only.
const P = {
  a: 0,
  b: 1,
  c: 2,
  rowPanels: 3,
  columnPanels: 4,
  depth: 5,
  aPanelBytes: 6,
  bPanelBytes: 7,
  cRowBytes: 8,
  first: 9,
  aRowBytes: 10,
  aStepBytes: 11,
};
const PARAMETERS = 12;
const L = { row: 12, column: 13, aAt: 14, bAt: 15, bEnd: 16, cAt: 17, aRow1: 18, aRow2: 19, aRow3: 20 };
const I32_LOCALS = 9;
const FIRST_VECTOR = PARAMETERS + I32_LOCALS;
/** The strided kernel's pointer to row r of the a panel (rows 1–3 in their own locals). */
const aRowPointer = (r: number) => [L.aAt, L.aRow1, L.aRow2, L.aRow3][r]!;

/** The v128 locals of one precision's kernel: the accumulators, b's vectors, a's splat. */
function registers(k: KernelPrecision) {
  const vectors = k.columns / k.lanes;
  return {
    vectors,
    accumulator: (r: number, v: number) => FIRST_VECTOR + r * vectors + v,
    bVector: (v: number) => FIRST_VECTOR + k.rows * vectors + v,
    aSplat: FIRST_VECTOR + k.rows * vectors + vectors,
    count: k.rows * vectors + vectors + 1,
  };
}

function microKernel(k: KernelPrecision, layout: ALayout): Bytes {
  const { vectors, accumulator, bVector, aSplat } = registers(k);
  /** Loads (or zeroes) the accumulators from the c tile, or stores them to it; cAt walks the rows. */
  const tileRows = (perVector: (r: number, v: number) => Bytes): Bytes => {
    const out: Bytes = [];
    for (let r = 0; r < k.rows; r++) {
      for (let v = 0; v < vectors; v++) out.push(...perVector(r, v));
      out.push(...advance(L.cAt, Op.localGet(P.cRowBytes)));
    }
    return out;
  };
  const pointers: Bytes = [
    // aAt = a + row·aPanelBytes;  bAt = b + column·bPanelBytes;  bEnd = bAt + depth·columns·bytes
    ...Op.localGet(P.a),
    ...Op.localGet(L.row),
    ...Op.localGet(P.aPanelBytes),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localSet(L.aAt),
    ...Op.localGet(P.b),
    ...Op.localGet(L.column),
    ...Op.localGet(P.bPanelBytes),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localTee(L.bAt),
    ...Op.localGet(P.depth),
    ...Op.i32Const(k.columns * k.bytes),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localSet(L.bEnd),
  ];
  // Strided: aRow_r = aAt + r·aRowBytes.
  if (layout === 'strided') {
    for (let r = 1; r < k.rows; r++) {
      pointers.push(
        ...Op.localGet(aRowPointer(r - 1)),
        ...Op.localGet(P.aRowBytes),
        ...Op.i32Add,
        ...Op.localSet(aRowPointer(r)),
      );
    }
  }
  // cAt = c + row·rows·cRowBytes + column·columns·bytes
  const tileStart: Bytes = [
    ...Op.localGet(P.c),
    ...Op.localGet(L.row),
    ...Op.i32Const(k.rows),
    ...Op.i32Mul,
    ...Op.localGet(P.cRowBytes),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localGet(L.column),
    ...Op.i32Const(k.columns * k.bytes),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localSet(L.cAt),
  ];
  const zeroAccumulators = tileRows((r, v) => [...Simd.zero, ...Op.localSet(accumulator(r, v))]);
  const loadAccumulators = tileRows((r, v) => [
    ...Op.localGet(L.cAt),
    ...Simd.load(v * 16),
    ...Op.localSet(accumulator(r, v)),
  ]);
  const storeAccumulators = tileRows((r, v) => [
    ...Op.localGet(L.cAt),
    ...Op.localGet(accumulator(r, v)),
    ...Simd.store(v * 16),
  ]);
  // One step p: b's `columns` values as vectors, then for each row r, splat a[r, p] and
  // accumulate acc[r] += a[r, p] · b[p, :] (a rounded multiply, then a rounded add).
  const step: Bytes = [];
  for (let v = 0; v < vectors; v++) step.push(...Op.localGet(L.bAt), ...Simd.load(v * 16), ...Op.localSet(bVector(v)));
  for (let r = 0; r < k.rows; r++) {
    const aValue =
      layout === 'packed'
        ? [...Op.localGet(L.aAt), ...k.splat(r * k.bytes)]
        : [...Op.localGet(aRowPointer(r)), ...k.splat(0)];
    step.push(...aValue, ...Op.localSet(aSplat));
    for (let v = 0; v < vectors; v++) {
      step.push(
        ...Op.localGet(accumulator(r, v)),
        ...Op.localGet(aSplat),
        ...Op.localGet(bVector(v)),
        ...k.mul,
        ...k.add,
        ...Op.localSet(accumulator(r, v)),
      );
    }
  }
  if (layout === 'packed') step.push(...advance(L.aAt, k.rows * k.bytes));
  else for (let r = 0; r < k.rows; r++) step.push(...advance(aRowPointer(r), Op.localGet(P.aStepBytes)));
  step.push(...advance(L.bAt, k.columns * k.bytes));
  const steps = whileBelow(L.bAt, L.bEnd, step);
  const rewind = [
    ...Op.localGet(L.cAt),
    ...Op.localGet(P.cRowBytes),
    ...Op.i32Const(k.rows),
    ...Op.i32Mul,
    ...Op.i32Sub,
    ...Op.localSet(L.cAt),
  ];
  return [
    ...pointers,
    ...tileStart,
    // if (first) zero the accumulators, else load the partial sums (then rewind cAt)
    ...Op.localGet(P.first),
    ...Op.i32Eqz,
    ...Op.if,
    ...loadAccumulators,
    ...rewind,
    ...Op.end,
    ...Op.localGet(P.first),
    ...Op.i32Eqz,
    ...Op.i32Eqz,
    ...Op.if,
    ...zeroAccumulators,
    ...rewind,
    ...Op.end,
    ...steps,
    ...storeAccumulators,
  ];
}

/** kernel(a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes, first, aRowBytes, aStepBytes). */
function kernelCode(k: KernelPrecision, layout: ALayout): Bytes {
  const body = [
    ...countedLoop(L.column, P.columnPanels, countedLoop(L.row, P.rowPanels, microKernel(k, layout))),
    ...Op.end,
  ];
  return [
    ...vector([
      [...unsigned(I32_LOCALS), ValueType.i32],
      [...unsigned(registers(k).count), ValueType.v128],
    ]),
    ...body,
  ];
}

/**
 * block(a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes, aRowBytes,
 * aStepBytes): the whole
 * depth in slabs of `slab` steps, one kernel call each (the first from zero), so that one b
 * panel slab (256 x 4 x 8 B = 8 KiB) stays in the L1 cache while the a panels stream past it.
 */
const SLAB_BYTES = 8192;
const BLOCK_PARAMETERS = 11;
const BLOCK_A_ROW_BYTES = 9;
const BLOCK_A_STEP_BYTES = 10;
const SLAB_START = BLOCK_PARAMETERS; // the block function's one local

function blockCode(k: KernelPrecision, layout: ALayout, kernelIndex: number): Bytes {
  // a slab starts `start` steps in: packed, start·rows values on; strided, start·aStepBytes on.
  const aStep = layout === 'packed' ? Op.i32Const(k.rows * k.bytes) : Op.localGet(BLOCK_A_STEP_BYTES);
  const slab = SLAB_BYTES / (k.columns * k.bytes);
  const remaining = [...Op.localGet(P.depth), ...Op.localGet(SLAB_START), ...Op.i32Sub];
  const call = [
    ...Op.localGet(P.a),
    ...Op.localGet(SLAB_START),
    ...aStep,
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localGet(P.b),
    ...Op.localGet(SLAB_START),
    ...Op.i32Const(k.columns * k.bytes),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localGet(P.c),
    ...Op.localGet(P.rowPanels),
    ...Op.localGet(P.columnPanels),
    ...Op.i32Const(slab),
    ...remaining,
    ...remaining,
    ...Op.i32Const(slab),
    ...Op.i32GtU,
    ...Op.select, // min(slab, depth - start)
    ...Op.localGet(P.aPanelBytes),
    ...Op.localGet(P.bPanelBytes),
    ...Op.localGet(P.cRowBytes),
    ...Op.localGet(SLAB_START),
    ...Op.i32Eqz, // first
    ...Op.localGet(BLOCK_A_ROW_BYTES),
    ...Op.localGet(BLOCK_A_STEP_BYTES),
    ...Op.call(kernelIndex),
  ];
  return [
    ...vector([[...unsigned(1), ValueType.i32]]),
    ...Op.i32Const(0),
    ...Op.localSet(SLAB_START),
    ...whileBelow(SLAB_START, P.depth, [...call, ...advance(SLAB_START, slab)]),
    ...Op.end,
  ];
}

/** Largest memory the module accepts: 65536 pages of 64 KiB, the whole 32-bit address space. */
export const MAXIMUM_PAGES = 65536;

/**
 * The module's exports, by precision and a layout: `block64` and `block32` (packed a), and
 * `block32Strided` (float32, a read in place); `which` in the hand-over is their index here.
 */
export const BLOCK_EXPORTS = { float64: 'block64', float32: 'block32', float32Strided: 'block32Strided' } as const;

/**
 * The whole module: imports `env.memory` (shared, so that worker threads can run the blocks on
 * the same packed operands; unshared where the runtime has no shared memory, e.g. a page that is
 * not cross-origin isolated). Functions: 0 kernel64, 1 block64, 2 kernel32, 3 block32,
 * 4 kernel32 on strided a, 5 its block; the blocks are exported. Column panels outside, rows
 * inside, so one b panel stays in L1 while the a panels stream past it.
 */
export function gemmModuleBytes(shared = true): Uint8Array {
  const i32Parameters = (count: number) => vector(new Array<Bytes>(count).fill([ValueType.i32]));
  const kernelType = [0x60, ...i32Parameters(PARAMETERS), ...vector([])];
  const blockType = [0x60, ...i32Parameters(BLOCK_PARAMETERS), ...vector([])];
  const [KERNEL, BLOCK] = [0, 1]; // type indices
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(Section.type, vector([kernelType, blockType])),
    ...section(Section.import, vector([memoryImport(1, MAXIMUM_PAGES, shared)])),
    ...section(Section.function, vector([KERNEL, BLOCK, KERNEL, BLOCK, KERNEL, BLOCK].map((type) => unsigned(type)))),
    ...section(
      Section.export,
      vector([
        [...name(BLOCK_EXPORTS.float64), 0x00, ...unsigned(1)],
        [...name(BLOCK_EXPORTS.float32), 0x00, ...unsigned(3)],
        [...name(BLOCK_EXPORTS.float32Strided), 0x00, ...unsigned(5)],
      ]),
    ),
    ...section(
      Section.code,
      vector([
        functionBody(kernelCode(FLOAT64_KERNEL, 'packed')),
        functionBody(blockCode(FLOAT64_KERNEL, 'packed', 0)),
        functionBody(kernelCode(FLOAT32_KERNEL, 'packed')),
        functionBody(blockCode(FLOAT32_KERNEL, 'packed', 2)),
        functionBody(kernelCode(FLOAT32_KERNEL, 'strided')),
        functionBody(blockCode(FLOAT32_KERNEL, 'strided', 4)),
      ]),
    ),
  ]);
}
