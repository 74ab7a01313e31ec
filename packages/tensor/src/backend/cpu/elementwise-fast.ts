import type { DType, TypedArray } from '../../dtype.js';
import { allocateArray } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import type { BinaryOp, ReduceOp, UnaryOp, View } from '../backend.js';
import { BINARY, UNARY } from './scalar-functions.js';
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
 *   are inlined instead of called through a function per element.
 */

/** Merges adjacent axes that are contiguous in every view and drops length-1 axes. */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
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

/** Calls `row(starts, length, steps)` for every innermost row of the coalesced views. */
function forEachCoalescedRow(views: readonly View[], row: (starts: readonly number[], length: number, steps: readonly number[]) => void): void {
  const { shape, strides } = coalesce(views[0]!.shape, views.map((v) => v.strides));
  const offsets = views.map((v) => v.offset);
  if (shape.length === 0) {
    if (sizeOf(views[0]!.shape) !== 0) row(offsets, 1, offsets.map(() => 0));
    return;
  }
  const length = shape[shape.length - 1]!;
  const steps = strides.map((s) => s[s.length - 1]!);
  forEachRow(shape, strides, offsets, (starts) => row(starts, length, steps));
}

function unaryRow(op: UnaryOp, out: TypedArray, o: number, x: TypedArray, xi: number, step: number, length: number): void {
  switch (op) {
    case 'neg': for (let i = 0; i < length; i++, xi += step) out[o + i] = -x[xi]!; return;
    case 'exp': for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.exp(x[xi]!); return;
    case 'log': for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.log(x[xi]!); return;
    case 'sqrt': for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.sqrt(x[xi]!); return;
    case 'tanh': for (let i = 0; i < length; i++, xi += step) out[o + i] = Math.tanh(x[xi]!); return;
    default: {
      const f = UNARY[op];
      for (let i = 0; i < length; i++, xi += step) out[o + i] = f(x[xi]!);
    }
  }
}

function binaryRow(op: BinaryOp, out: TypedArray, o: number, x: TypedArray, xi: number, xStep: number, y: TypedArray, yi: number, yStep: number, length: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! + y[yi]!; return;
    case 'sub': for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! - y[yi]!; return;
    case 'mul': for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! * y[yi]!; return;
    case 'div': for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = x[xi]! / y[yi]!; return;
    default: {
      const f = BINARY[op];
      for (let i = 0; i < length; i++, xi += xStep, yi += yStep) out[o + i] = f(x[xi]!, y[yi]!);
    }
  }
}

export function unaryFast(op: UnaryOp, x: View): TypedArray {
  const out = allocateArray(x.storage.dtype, sizeOf(x.shape));
  const src = dataOf(x);
  let o = 0;
  forEachCoalescedRow([x], ([start], length, [step]) => {
    unaryRow(op, out, o, src, start!, step!, length);
    o += length;
  });
  return out;
}

/** A row-major copy (the identity map). */
export function copyFast(x: View): TypedArray {
  const out = allocateArray(x.storage.dtype, sizeOf(x.shape));
  const src = dataOf(x);
  let o = 0;
  forEachCoalescedRow([x], ([start], length, [step]) => {
    if (step === 1) out.set(src.subarray(start!, start! + length), o);
    else for (let i = 0, xi = start!; i < length; i++, xi += step!) out[o + i] = src[xi]!;
    o += length;
  });
  return out;
}

export function binaryFast(op: BinaryOp, a: View, b: View): TypedArray {
  const out = allocateArray(a.storage.dtype, sizeOf(a.shape));
  const [x, y] = [dataOf(a), dataOf(b)];
  let o = 0;
  forEachCoalescedRow([a, b], ([xi, yi], length, [xStep, yStep]) => {
    binaryRow(op, out, o, x, xi!, xStep!, y, yi!, yStep!, length);
    o += length;
  });
  return out;
}

export function whereFast(condition: View, a: View, b: View): TypedArray {
  const out = allocateArray(a.storage.dtype, sizeOf(a.shape));
  const [c, x, y] = [dataOf(condition), dataOf(a), dataOf(b)];
  let o = 0;
  forEachCoalescedRow([condition, a, b], ([ci, xi, yi], length, [cStep, xStep, yStep]) => {
    for (let i = 0, cAt = ci!, xAt = xi!, yAt = yi!; i < length; i++, cAt += cStep!, xAt += xStep!, yAt += yStep!) {
      out[o + i] = c[cAt] !== 0 ? x[xAt]! : y[yAt]!;
    }
    o += length;
  });
  return out;
}

/**
 * Sums (or max/min) over the trailing `reducedRank` axes, each output's block walked in the
 * specification's order: row-major over the block, so sums add the same terms in the same order.
 */
export function reduceFast(op: ReduceOp, x: View, reducedRank: number): TypedArray {
  const rank = x.shape.length;
  const block: View = { storage: x.storage, shape: x.shape.slice(rank - reducedRank), strides: x.strides.slice(rank - reducedRank), offset: 0 };
  const { shape, strides } = coalesce(block.shape, [block.strides]);
  const starts = offsetsOf(x.shape.slice(0, rank - reducedRank), x.strides.slice(0, rank - reducedRank), x.offset);
  const src = dataOf(x);
  const out = allocateArray(x.storage.dtype, starts.length);
  const length = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const step = shape.length === 0 ? 0 : strides[0]![shape.length - 1]!;
  const empty = sizeOf(block.shape) === 0;
  for (let o = 0; o < starts.length; o++) {
    let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
    if (!empty) {
      forEachRow(shape, strides, [starts[o]!], ([start]) => {
        if (op === 'sum') {
          for (let i = 0, at = start!; i < length; i++, at += step) acc += src[at]!;
        } else if (op === 'max') {
          for (let i = 0, at = start!; i < length; i++, at += step) { const v = src[at]!; if (v > acc || v !== v) acc = v; }
        } else {
          for (let i = 0, at = start!; i < length; i++, at += step) { const v = src[at]!; if (v < acc || v !== v) acc = v; }
        }
      });
    }
    out[o] = acc;
  }
  return out;
}
