import type { Bytes } from './encoding.js';
import { MAGIC_AND_VERSION, Op, Section, Simd, ValueType, name, section, unsigned, vector } from './encoding.js';

/**
 * The matmul micro-kernel, written as WebAssembly bytes at run time (as jax-js does): one
 * exported function
 *
 *   kernel(a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes, first)
 *
 * over packed float64 operands in the module's imported memory:
 * - `a` holds row panels of ROWS rows: panel i stores a[i·ROWS + r, p] at (p·ROWS + r), so the
 *   ROWS values the kernel needs for step p are adjacent; consecutive panels are aPanelBytes apart;
 * - `b` holds column panels of COLUMNS columns, b[p, j·COLUMNS + c] at (p·COLUMNS + c), bPanelBytes apart;
 * - `c` is a row-major float64 tile, cRowBytes per row.
 *
 * For every pair of panels it runs `depth` steps of a ROWS x COLUMNS outer-product update held in
 * 128-bit registers (f64x2: 2 lanes), starting from zero when `first` is 1 and from the partial
 * sums already in `c` otherwise, and stores the sums back to `c`. Each element's sum therefore
 * runs over p in increasing order in float64, exactly as the specification's loop does, so a
 * matmul split into depth slabs is bit-identical to one pass. (WebAssembly never fuses a
 * multiply and an add, and a float32 product is exact in float64.)
 *
 * ROWS x COLUMNS = 4 x 4 (8 accumulator registers) measured fastest in V8: larger tiles spill.
 * A second export, `block`, runs a whole depth in cache-sized slabs (below).
 */
export const ROWS = 4;
export const COLUMNS = 4;
const LANES = 2; // f64 per v128
const VECTORS = COLUMNS / LANES;
const F64 = 8;

// Parameters, then locals, numbered in declaration order.
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
};
const PARAMETERS = 10;
const L = { row: 10, column: 11, aAt: 12, bAt: 13, bEnd: 14, cAt: 15 };
const I32_LOCALS = 6;
const FIRST_VECTOR = PARAMETERS + I32_LOCALS;
const accumulator = (r: number, v: number) => FIRST_VECTOR + r * VECTORS + v;
const bVector = (v: number) => FIRST_VECTOR + ROWS * VECTORS + v;
const aSplat = FIRST_VECTOR + ROWS * VECTORS + VECTORS;
const V128_LOCALS = ROWS * VECTORS + VECTORS + 1;

/** `for (local = 0; local < limit; local++) body` as block/loop/br_if. */
function countedLoop(local: number, limit: number, body: Bytes): Bytes {
  return [
    ...Op.i32Const(0),
    ...Op.localSet(local),
    ...Op.block,
    ...Op.loop,
    ...Op.localGet(local),
    ...Op.localGet(limit),
    ...Op.i32LtU,
    ...Op.i32Eqz,
    ...Op.brIf(1),
    ...body,
    ...Op.localGet(local),
    ...Op.i32Const(1),
    ...Op.i32Add,
    ...Op.localSet(local),
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ];
}

/** Adds `bytes` to an i32 local. */
function advance(local: number, bytes: number | Bytes): Bytes {
  const amount = typeof bytes === 'number' ? Op.i32Const(bytes) : bytes;
  return [...Op.localGet(local), ...amount, ...Op.i32Add, ...Op.localSet(local)];
}

/** Loads (or zeroes) the accumulators from the c tile, or stores them to it; cAt walks the rows. */
function tileRows(perVector: (r: number, v: number) => Bytes): Bytes {
  const out: Bytes = [];
  for (let r = 0; r < ROWS; r++) {
    for (let v = 0; v < VECTORS; v++) out.push(...perVector(r, v));
    out.push(...advance(L.cAt, Op.localGet(P.cRowBytes)));
  }
  return out;
}

function microKernel(): Bytes {
  const pointers: Bytes = [
    // aAt = a + row·aPanelBytes;  bAt = b + column·bPanelBytes;  bEnd = bAt + depth·COLUMNS·8
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
    ...Op.i32Const(COLUMNS * F64),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localSet(L.bEnd),
  ];
  // cAt = c + row·ROWS·cRowBytes + column·COLUMNS·8
  const tileStart: Bytes = [
    ...Op.localGet(P.c),
    ...Op.localGet(L.row),
    ...Op.i32Const(ROWS),
    ...Op.i32Mul,
    ...Op.localGet(P.cRowBytes),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localGet(L.column),
    ...Op.i32Const(COLUMNS * F64),
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
  // One step p: b's COLUMNS values as VECTORS registers, then for each row r, splat a[r, p] and
  // accumulate acc[r] += a[r, p] · b[p, :].
  const step: Bytes = [];
  for (let v = 0; v < VECTORS; v++) step.push(...Op.localGet(L.bAt), ...Simd.load(v * 16), ...Op.localSet(bVector(v)));
  for (let r = 0; r < ROWS; r++) {
    step.push(...Op.localGet(L.aAt), ...Simd.load64Splat(r * F64), ...Op.localSet(aSplat));
    for (let v = 0; v < VECTORS; v++) {
      step.push(
        ...Op.localGet(accumulator(r, v)),
        ...Op.localGet(aSplat),
        ...Op.localGet(bVector(v)),
        ...Simd.f64x2Mul,
        ...Simd.f64x2Add,
        ...Op.localSet(accumulator(r, v)),
      );
    }
  }
  step.push(...advance(L.aAt, ROWS * F64), ...advance(L.bAt, COLUMNS * F64));
  const steps: Bytes = [
    ...Op.block,
    ...Op.loop,
    ...Op.localGet(L.bAt),
    ...Op.localGet(L.bEnd),
    ...Op.i32LtU,
    ...Op.i32Eqz,
    ...Op.brIf(1),
    ...step,
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ];
  const rewind = [
    ...Op.localGet(L.cAt),
    ...Op.localGet(P.cRowBytes),
    ...Op.i32Const(ROWS),
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

/**
 * block(a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes): the whole
 * depth in slabs of DEPTH_SLAB steps, one kernel call each (the first from zero), so that one
 * b panel slab (256 x 4 x 8 B = 8 KiB) stays in the L1 cache while the a panels stream past it.
 */
const DEPTH_SLAB = 256;
const BLOCK_PARAMETERS = 9;
const SLAB_START = BLOCK_PARAMETERS; // the block function's one local

function blockBody(): Bytes {
  const remaining = [...Op.localGet(P.depth), ...Op.localGet(SLAB_START), ...Op.i32Sub];
  const call = [
    ...Op.localGet(P.a),
    ...Op.localGet(SLAB_START),
    ...Op.i32Const(ROWS * F64),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localGet(P.b),
    ...Op.localGet(SLAB_START),
    ...Op.i32Const(COLUMNS * F64),
    ...Op.i32Mul,
    ...Op.i32Add,
    ...Op.localGet(P.c),
    ...Op.localGet(P.rowPanels),
    ...Op.localGet(P.columnPanels),
    ...Op.i32Const(DEPTH_SLAB),
    ...remaining,
    ...remaining,
    ...Op.i32Const(DEPTH_SLAB),
    ...Op.i32GtU,
    ...Op.select, // min(DEPTH_SLAB, depth - start)
    ...Op.localGet(P.aPanelBytes),
    ...Op.localGet(P.bPanelBytes),
    ...Op.localGet(P.cRowBytes),
    ...Op.localGet(SLAB_START),
    ...Op.i32Eqz, // first
    ...Op.call(0),
  ];
  return [
    ...Op.i32Const(0),
    ...Op.localSet(SLAB_START),
    ...Op.block,
    ...Op.loop,
    ...Op.localGet(SLAB_START),
    ...Op.localGet(P.depth),
    ...Op.i32LtU,
    ...Op.i32Eqz,
    ...Op.brIf(1),
    ...call,
    ...advance(SLAB_START, DEPTH_SLAB),
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
    ...Op.end,
  ];
}

/** Largest memory the module accepts: 65536 pages of 64 KiB, the whole 32-bit address space. */
export const MAXIMUM_PAGES = 65536;

/**
 * The whole module: imports `env.memory` (shared, so that worker threads can run `block` on the
 * same packed operands; unshared where the runtime has no shared memory, e.g. a page that is not
 * cross-origin isolated), exports `kernel` (function 0) and `block` (function 1). Column panels
 * outside, rows inside, so one b panel stays in L1 while the a panels stream past it.
 */
export function gemmModuleBytes(shared = true): Uint8Array {
  const kernelBody = [
    ...countedLoop(L.column, P.columnPanels, countedLoop(L.row, P.rowPanels, microKernel())),
    ...Op.end,
  ];
  const kernelCode = [
    ...vector([
      [...unsigned(I32_LOCALS), ValueType.i32],
      [...unsigned(V128_LOCALS), ValueType.v128],
    ]),
    ...kernelBody,
  ];
  const blockCode = [...vector([[...unsigned(1), ValueType.i32]]), ...blockBody()];
  const i32Parameters = (count: number) => vector(new Array<Bytes>(count).fill([ValueType.i32]));
  const kernelType = [0x60, ...i32Parameters(PARAMETERS), ...vector([])];
  const blockType = [0x60, ...i32Parameters(BLOCK_PARAMETERS), ...vector([])];
  const [WITH_MAXIMUM, SHARED_WITH_MAXIMUM] = [0x01, 0x03];
  const memoryImport = [
    ...name('env'),
    ...name('memory'),
    0x02,
    shared ? SHARED_WITH_MAXIMUM : WITH_MAXIMUM,
    ...unsigned(1),
    ...unsigned(MAXIMUM_PAGES),
  ];
  const body = (code: Bytes) => [...unsigned(code.length), ...code];
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(Section.type, vector([kernelType, blockType])),
    ...section(Section.import, vector([memoryImport])),
    ...section(Section.function, vector([unsigned(0), unsigned(1)])),
    ...section(
      Section.export,
      vector([
        [...name('kernel'), 0x00, ...unsigned(0)],
        [...name('block'), 0x00, ...unsigned(1)],
      ]),
    ),
    ...section(Section.code, vector([body(kernelCode), body(blockCode)])),
  ]);
}
