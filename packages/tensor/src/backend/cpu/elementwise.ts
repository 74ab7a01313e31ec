import type { DType, TypedArray } from '../../dtype.js';
import { allocateArray } from './pool.js';
import { contiguousStrides, isRowMajor, sizeOf } from '../../shape.js';
import type { View } from '../backend.js';
import { CpuStorage, dataOf } from './storage.js';
import { forEachRow, rowLength, rowStride } from './strided.js';

/**
 * The one elementwise loop: visits every element of equally shaped views in row-major order,
 * calling `write(outIndex, inputValues...)` via a row loop. All elementwise kernels build on it.
 */
function mapViews(views: readonly View[], outDType: DType, f: (values: number[]) => number): TypedArray {
  const shape = views[0]!.shape;
  const out = allocateArray(outDType, sizeOf(shape));
  const sources = views.map(dataOf);
  const steps = views.map((v) => rowStride(v.strides));
  const length = rowLength(shape);
  const values = new Array<number>(views.length);
  let o = 0;
  forEachRow(
    shape,
    views.map((v) => v.strides),
    views.map((v) => v.offset),
    (starts) => {
      for (let i = 0; i < length; i++) {
        for (let k = 0; k < sources.length; k++) values[k] = sources[k]![starts[k]! + i * steps[k]!]!;
        out[o++] = f(values);
      }
    },
  );
  return out;
}

/** Fast path: a row-major view from offset 0 covering its whole storage. */
function isDense(view: View): boolean {
  return view.offset === 0 && sizeOf(view.shape) === view.storage.length && isRowMajor(view.shape, view.strides);
}

export function mapUnary(x: View, outDType: DType, f: (x: number) => number): TypedArray {
  if (isDense(x)) {
    const src = dataOf(x);
    const out = allocateArray(outDType, src.length);
    for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
    return out;
  }
  return mapViews([x], outDType, (v) => f(v[0]!));
}

export function mapBinary(a: View, b: View, outDType: DType, f: (a: number, b: number) => number): TypedArray {
  if (isDense(a) && isDense(b)) {
    const x = dataOf(a);
    const y = dataOf(b);
    const out = allocateArray(outDType, x.length);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]!, y[i]!);
    return out;
  }
  // Common broadcast case: a dense tensor with a scalar (all strides 0) on the other side.
  return mapViews([a, b], outDType, (v) => f(v[0]!, v[1]!));
}

export function mapTernary(
  c: View,
  a: View,
  b: View,
  outDType: DType,
  f: (c: number, a: number, b: number) => number,
): TypedArray {
  return mapViews([c, a, b], outDType, (v) => f(v[0]!, v[1]!, v[2]!));
}

/** A row-major copy of a view (its elements in row-major order, in a new storage). */
export function rowMajorCopy(view: View): View {
  return {
    storage: new CpuStorage(
      view.storage.backend,
      mapUnary(view, view.storage.dtype, (x) => x),
    ),
    shape: view.shape,
    strides: contiguousStrides(view.shape),
    offset: 0,
  };
}

/** Writes `source` into `destination` (equal shapes) through both views' strides. */
export function assignView(destination: View, source: View): void {
  const out = dataOf(destination);
  const src = dataOf(source);
  const length = rowLength(destination.shape);
  const dStep = rowStride(destination.strides);
  const sStep = rowStride(source.strides);
  forEachRow(
    destination.shape,
    [destination.strides, source.strides],
    [destination.offset, source.offset],
    ([d, s]) => {
      for (let i = 0; i < length; i++) out[d! + i * dStep] = src[s! + i * sStep]!;
    },
  );
}
