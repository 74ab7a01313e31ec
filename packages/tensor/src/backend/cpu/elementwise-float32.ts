import type { BinaryOp } from '../backend.js';

/**
 * Float32 loops for the hottest elementwise kernels of a training step: add, sub and mul (bias
 * additions, residuals, gradient accumulation).
 *
 * Why a second copy of loops that elementwise-fast.ts already has: V8 records what a load or
 * store has seen per function literal. The general loops see Float32Array, Float64Array and
 * Int32Array over a program's life, so each `x[i]` there becomes a polymorphic access that tests
 * the array's kind on every element. The functions here are only ever called with Float32Array,
 * so their accesses compile to plain float32 loads and stores. (Closures made by one factory
 * share their literal's feedback, so each loop is written out.)
 *
 * Results are bit-identical to the general loops: the same scalar expression, in float64, per
 * element, rounded once to float32 by the store.
 *
 * Where both operands are walked with stride 1 (a same-shape sum, or a bias row against a row of
 * activations: the step's usual case) the loop does eight elements per iteration: optimised code
 * re-checks each array's kind (its map) at the top of every iteration, and unrolled that is paid
 * once per eight elements. Measured on float32 [8, 128, 768] + [8, 128, 768] in one process
 * (a scratch microbenchmark): 3.7 ns per element in the general loop after it has seen all three
 * array kinds, 1.7 here unrolled by four, 1.35 by eight. Any other stride takes the plain loop.
 */

/** out[o + i] = x[xi + i·xStep] ⊕ y[yi + i·yStep] for i < length, on float32 arrays only. */
type Float32Row = (
  out: Float32Array,
  o: number,
  x: Float32Array,
  xi: number,
  xStep: number,
  y: Float32Array,
  yi: number,
  yStep: number,
  length: number,
) => void;

function addRow(
  out: Float32Array,
  o: number,
  x: Float32Array,
  xi: number,
  xStep: number,
  y: Float32Array,
  yi: number,
  yStep: number,
  length: number,
): void {
  if (xStep !== 1 || yStep !== 1) {
    for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! + y[yi]!;
    return;
  }
  let i = 0;
  for (; i + 8 <= length; i += 8) {
    out[o + i] = x[xi + i]! + y[yi + i]!;
    out[o + i + 1] = x[xi + i + 1]! + y[yi + i + 1]!;
    out[o + i + 2] = x[xi + i + 2]! + y[yi + i + 2]!;
    out[o + i + 3] = x[xi + i + 3]! + y[yi + i + 3]!;
    out[o + i + 4] = x[xi + i + 4]! + y[yi + i + 4]!;
    out[o + i + 5] = x[xi + i + 5]! + y[yi + i + 5]!;
    out[o + i + 6] = x[xi + i + 6]! + y[yi + i + 6]!;
    out[o + i + 7] = x[xi + i + 7]! + y[yi + i + 7]!;
  }
  for (; i < length; i++) out[o + i] = x[xi + i]! + y[yi + i]!;
}

function subRow(
  out: Float32Array,
  o: number,
  x: Float32Array,
  xi: number,
  xStep: number,
  y: Float32Array,
  yi: number,
  yStep: number,
  length: number,
): void {
  if (xStep !== 1 || yStep !== 1) {
    for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! - y[yi]!;
    return;
  }
  let i = 0;
  for (; i + 8 <= length; i += 8) {
    out[o + i] = x[xi + i]! - y[yi + i]!;
    out[o + i + 1] = x[xi + i + 1]! - y[yi + i + 1]!;
    out[o + i + 2] = x[xi + i + 2]! - y[yi + i + 2]!;
    out[o + i + 3] = x[xi + i + 3]! - y[yi + i + 3]!;
    out[o + i + 4] = x[xi + i + 4]! - y[yi + i + 4]!;
    out[o + i + 5] = x[xi + i + 5]! - y[yi + i + 5]!;
    out[o + i + 6] = x[xi + i + 6]! - y[yi + i + 6]!;
    out[o + i + 7] = x[xi + i + 7]! - y[yi + i + 7]!;
  }
  for (; i < length; i++) out[o + i] = x[xi + i]! - y[yi + i]!;
}

function mulRow(
  out: Float32Array,
  o: number,
  x: Float32Array,
  xi: number,
  xStep: number,
  y: Float32Array,
  yi: number,
  yStep: number,
  length: number,
): void {
  if (xStep !== 1 || yStep !== 1) {
    for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! * y[yi]!;
    return;
  }
  let i = 0;
  for (; i + 8 <= length; i += 8) {
    out[o + i] = x[xi + i]! * y[yi + i]!;
    out[o + i + 1] = x[xi + i + 1]! * y[yi + i + 1]!;
    out[o + i + 2] = x[xi + i + 2]! * y[yi + i + 2]!;
    out[o + i + 3] = x[xi + i + 3]! * y[yi + i + 3]!;
    out[o + i + 4] = x[xi + i + 4]! * y[yi + i + 4]!;
    out[o + i + 5] = x[xi + i + 5]! * y[yi + i + 5]!;
    out[o + i + 6] = x[xi + i + 6]! * y[yi + i + 6]!;
    out[o + i + 7] = x[xi + i + 7]! * y[yi + i + 7]!;
  }
  for (; i < length; i++) out[o + i] = x[xi + i]! * y[yi + i]!;
}

/** The binary ops that have a float32 row of their own. */
export const FLOAT32_ROWS: Partial<Record<BinaryOp, Float32Row>> = { add: addRow, sub: subRow, mul: mulRow };

/**
 * out[o + i] = src[start + i·step] for i < length, on float32 arrays only: a row of a transposed
 * copy. (Contiguous rows, step 1, are copied with `set`, a memcpy, faster even for rows of 64.)
 */
export function copyStridedRowFloat32(
  out: Float32Array,
  o: number,
  src: Float32Array,
  start: number,
  step: number,
  length: number,
): void {
  for (let i = 0; i < length; i++, start += step) out[o + i] = src[start]!;
}
