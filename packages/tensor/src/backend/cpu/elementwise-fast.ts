import type { TypedArray } from '../../dtype.js';
import { allocateOutput } from './pool.js';
import { sizeOf } from '../../shape.js';
import type { BinaryOp, ReduceOp, UnaryOp, View } from '../backend.js';
import { BINARY, maxNaN, minNaN, REDUCE_IDENTITY, UNARY } from './scalar-functions.js';
import { copyStridedRowFloat32, FLOAT32_ROWS } from './elementwise-float32.js';
import { dataOf } from './storage.js';
import { forEachRow, offsetsOf } from './strided.js';

/**
 * Elementwise kernels of the fast CPU path. They compute exactly what the specification's
 * (elementwise.ts, reduce.ts) compute — the same scalar functions, in the same order — with
 * loops V8 can compile well:
 *
 * - axes that every operand walks contiguously are merged and length-1 axes dropped, so a
 *   broadcast or transposed operand is walked in rows as long as possible;
 * - each row runs one loop chosen by a switch on the op, so the hot ops (add, mul, exp, ...)
 *   are inlined instead of called through a function per element;
 * - float32 add, sub, mul and copy run loops that only ever see Float32Array (elementwise-float32.ts),
 *   chosen once per kernel, so V8 compiles their loads and stores for that one array kind;
 * - every kernel writes each element of its output, so outputs come from the pool unzeroed.
 */

/** Merges adjacent axes that are contiguous in every view and drops length-1 axes. */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    if (size === 1) continue;
    const inner = outShape.length - 1;
    const mergeable = inner >= 0 && strides.every((s, v) => s[axis] === outStrides[v]![inner]! * outShape[inner]!);
    if (mergeable) {
      outShape[inner] = outShape[inner]! * size;
    } else {
      outShape.push(size);
      strides.forEach((s, v) => outStrides[v]!.push(s[axis]!));
    }
  }
  return { shape: outShape.reverse(), strides: outStrides.map((s) => s.reverse()) };
}

/**
 * Calls `row(starts, length, steps, at)` for every innermost row of the coalesced views, where
 * `at` is the row's first index in a row-major output (rows come in order, so `at` counts up).
 */
function forEachCoalescedRow(
  views: readonly View[],
  row: (starts: readonly number[], length: number, steps: readonly number[], at: number) => void,
): void {
  const { shape, strides } = coalesce(
    views[0]!.shape,
    views.map((v) => v.strides),
  );
  const offsets = views.map((v) => v.offset);
  if (shape.length === 0) {
    if (sizeOf(views[0]!.shape) !== 0)
      row(
        offsets,
        1,
        offsets.map(() => 0),
        0,
      );
    return;
  }
  const length = shape[shape.length - 1]!;
  const steps = strides.map((s) => s[s.length - 1]!);
  let at = 0;
  forEachRow(shape, strides, offsets, (starts) => {
    row(starts, length, steps, at);
    at += length;
  });
}

function unaryRow(
  op: UnaryOp,
  out: TypedArray,
  o: number,
  x: TypedArray,
  xi: number,
  step: number,
  length: number,
): void {
  switch (op) {
    case 'neg':
      for (let i = 0; i < length; i++, xi += step) out[o + i] = -x[xi]!;
      return;
    case 'exp':
      for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.exp(x[xi]!);
      return;
    case 'log':
      for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.log(x[xi]!);
      return;
    case 'sqrt':
      for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.sqrt(x[xi]!);
      return;
    case 'tanh':
      for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.tanh(x[xi]!);
      return;
    default: {
      const f = UNARY[op];
      for (let i = 0; i < length; i++, xi += step) out[o + i] = f(x[xi]!);
    }
  }
}

function binaryRow(
  op: BinaryOp,
  out: TypedArray,
  o: number,
  x: TypedArray,
  xi: number,
  xStep: number,
  y: TypedArray,
  yi: number,
  yStep: number,
  length: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! + y[yi]!;
      return;
    case 'sub':
      for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! - y[yi]!;
      return;
    case 'mul':
      for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! * y[yi]!;
      return;
    case 'div':
      for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! / y[yi]!;
      return;
    case 'pow':
      // Math.pow(x, 2) is x·x exactly (fdlibm's special case, which V8 keeps), NaN and ±0 included.
      if (yStep === 0 && y[yi] === 2) {
        for (let i = 0; i < length; i++, xi += xStep) out[o + i] = x[xi]! * x[xi]!;
        return;
      }
      binaryRowCalling(BINARY.pow, out, o, x, xi, xStep, y, yi, yStep, length);
      return;
    default:
      binaryRowCalling(BINARY[op], out, o, x, xi, xStep, y, yi, yStep, length);
      return;
  }
}

function binaryRowCalling(
  f: (a: number, b: number) => number,
  out: TypedArray,
  o: number,
  x: TypedArray,
  xi: number,
  xStep: number,
  y: TypedArray,
  yi: number,
  yStep: number,
  length: number,
): void {
  for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = f(x[xi]!, y[yi]!);
}

export function unaryFast(op: UnaryOp, x: View): TypedArray {
  const out = allocateOutput(x.storage.dtype, sizeOf(x.shape));
  const src = dataOf(x);
  forEachCoalescedRow([x], ([start], length, [step], o) => unaryRow(op, out, o, src, start!, step!, length));
  return out;
}

/**
 * A row-major copy (the identity map): contiguous rows by `set` (a memcpy), strided ones (a
 * transpose) by a loop, float32's in copyStridedRowFloat32's monomorphic one.
 */
export function copyFast(x: View): TypedArray {
  const out = allocateOutput(x.storage.dtype, sizeOf(x.shape));
  const src = dataOf(x);
  const float32 = out instanceof Float32Array && src instanceof Float32Array;
  forEachCoalescedRow([x], ([start], length, [step], o) => {
    if (step === 1) out.set(src.subarray(start!, start! + length), o);
    else if (float32) copyStridedRowFloat32(out, o, src, start!, step!, length);
    else for (let i = 0, xi = start!; i < length; i++, xi += step!) out[o + i] = src[xi]!;
  });
  return out;
}

/**
 * Writes `source` into `destination` (equal shapes) through both views' strides, as the
 * specification's assignView: rows both walk contiguously (a slice's gradient written into its
 * place in a wider row, say) by `set`, a memcpy, unless the two share memory; others element by
 * element, in the same order.
 */
export function assignFast(destination: View, source: View): void {
  const [out, src] = [dataOf(destination), dataOf(source)];
  const memcpy = out.buffer !== src.buffer;
  forEachCoalescedRow([destination, source], ([d, s], length, [dStep, sStep]) => {
    if (memcpy && dStep === 1 && sStep === 1) out.set(src.subarray(s!, s! + length), d);
    else for (let i = 0, at = d!, from = s!; i < length; i++, at += dStep!, from += sStep!) out[at] = src[from]!;
  });
}

/** Float32 operands of add, sub and mul take the monomorphic loops of elementwise-float32.ts. */
export function binaryFast(op: BinaryOp, a: View, b: View): TypedArray {
  const out = allocateOutput(a.storage.dtype, sizeOf(a.shape));
  const [x, y] = [dataOf(a), dataOf(b)];
  const float32Row = FLOAT32_ROWS[op];
  if (float32Row && out instanceof Float32Array && x instanceof Float32Array && y instanceof Float32Array) {
    forEachCoalescedRow([a, b], ([xi, yi], length, [xStep, yStep], o) =>
      float32Row(out, o, x, xi!, xStep!, y, yi!, yStep!, length),
    );
  } else {
    forEachCoalescedRow([a, b], ([xi, yi], length, [xStep, yStep], o) =>
      binaryRow(op, out, o, x, xi!, xStep!, y, yi!, yStep!, length),
    );
  }
  return out;
}

export function whereFast(condition: View, a: View, b: View): TypedArray {
  const out = allocateOutput(a.storage.dtype, sizeOf(a.shape));
  const [c, x, y] = [dataOf(condition), dataOf(a), dataOf(b)];
  forEachCoalescedRow([condition, a, b], ([ci, xi, yi], length, [cStep, xStep, yStep], o) => {
    for (let i = 0, cAt = ci!, xAt = xi!, yAt = yi!; i < length; i++, cAt += cStep!, xAt += xStep!, yAt += yStep!) {
      out[o + i] = c[cAt] !== 0 ? x[xAt]! : y[yAt]!;
    }
  });
  return out;
}

/**
 * Sums (or max/min) over the trailing `reducedRank` axes. Each output adds the same terms in the
 * same order as the specification (its block in row-major order), but the loops are arranged
 * for memory: when the kept axes are the closer ones in memory (a column sum, say), the block is
 * walked once, in order, updating every output's float64 accumulator at each position, so the
 * innermost loop reads consecutive elements.
 */
export function reduceFast(op: ReduceOp, x: View, reducedRank: number): TypedArray {
  const rank = x.shape.length;
  const [keptShape, keptStrides] = [x.shape.slice(0, rank - reducedRank), x.strides.slice(0, rank - reducedRank)];
  const [blockShape, blockStrides] = [x.shape.slice(rank - reducedRank), x.strides.slice(rank - reducedRank)];
  const src = dataOf(x);
  const starts = Int32Array.from(offsetsOf(keptShape, keptStrides, x.offset));
  const out = allocateOutput(x.storage.dtype, starts.length);
  if (sizeOf(blockShape) === 0 || starts.length === 0) return out.fill(REDUCE_IDENTITY[op]);
  const kept = coalesce(keptShape, [keptStrides]);
  const block = coalesce(blockShape, [blockStrides]);
  const innermost = (c: { shape: number[]; strides: number[][] }) =>
    c.shape.length === 0 ? Infinity : Math.abs(c.strides[0]![c.shape.length - 1]!);
  if (starts.length > 1 && innermost(kept) < innermost(block)) {
    const acc = new Float64Array(starts.length).fill(REDUCE_IDENTITY[op]);
    const rows = kept.shape.length === 1 && kept.strides[0]![0] === 1 && block.shape.length === 1;
    if (op === 'sum' && rows) {
      // A column sum of a row-major [R, C] (a bias gradient, say): row by row, C outputs at a time.
      const [count, step, width] = [block.shape[0]!, block.strides[0]![0]!, starts.length];
      for (let r = 0, at = starts[0]!; r < count; r++, at += step) {
        for (let o = 0; o < width; o++) acc[o] = acc[o]! + src[at + o]!;
      }
    } else {
      for (const b of offsetsOf(blockShape, blockStrides, 0)) accumulateAll(op, acc, src, starts, b);
    }
    out.set(acc); // rounds each float64 accumulator once, as the specification's store does
    return out;
  }
  const length = block.shape.length === 0 ? 1 : block.shape[block.shape.length - 1]!;
  const step = block.shape.length === 0 ? 0 : block.strides[0]![block.shape.length - 1]!;
  if (block.shape.length <= 1) {
    // One row per output (a softmax's or a LayerNorm's row, say): a plain loop each.
    for (let o = 0; o < starts.length; o++) out[o] = reduceRow(op, src, starts[o]!, length, step);
    return out;
  }
  for (let o = 0; o < starts.length; o++) {
    let acc = REDUCE_IDENTITY[op];
    forEachRow(block.shape, block.strides, [starts[o]!], ([start]) => {
      if (op === 'sum') {
        for (let i = 0, at = start!; i < length; i++, at += step) acc += src[at]!;
      } else if (op === 'max') {
        for (let i = 0, at = start!; i < length; i++, at += step) acc = maxNaN(acc, src[at]!);
      } else {
        for (let i = 0, at = start!; i < length; i++, at += step) acc = minNaN(acc, src[at]!);
      }
    });
    out[o] = acc;
  }
  return out;
}

/** ⊕ over one strided row, from the identity, in order (a float64 accumulator). */
function reduceRow(op: ReduceOp, src: TypedArray, start: number, length: number, step: number): number {
  let acc = REDUCE_IDENTITY[op];
  if (op === 'sum') for (let i = 0, at = start; i < length; i++, at += step) acc += src[at]!;
  else if (op === 'max') for (let i = 0, at = start; i < length; i++, at += step) acc = maxNaN(acc, src[at]!);
  else for (let i = 0, at = start; i < length; i++, at += step) acc = minNaN(acc, src[at]!);
  return acc;
}

/** acc[o] ⊕= src[starts[o] + offset] for every output o (NaN wins in max/min, as in PyTorch). */
function accumulateAll(op: ReduceOp, acc: Float64Array, src: TypedArray, starts: Int32Array, offset: number): void {
  const n = acc.length;
  if (op === 'sum') {
    for (let o = 0; o < n; o++) acc[o] = acc[o]! + src[starts[o]! + offset]!;
  } else if (op === 'max') {
    for (let o = 0; o < n; o++) acc[o] = maxNaN(acc[o]!, src[starts[o]! + offset]!);
  } else {
    for (let o = 0; o < n; o++) acc[o] = minNaN(acc[o]!, src[starts[o]! + offset]!);
  }
}
