import type { DType, TypedArray } from './dtype.js';
import { allocateArray, dtypeOfArray } from './dtype.js';
import { formatShape, shapeError } from './errors.js';
import { getBackend } from './backend/registry.js';
import type { NestedArray } from './tensor.js';
import { Tensor } from './tensor.js';
import type { Shape } from './shape.js';
import { assertValidShape, sizeOf } from './shape.js';

/** Options for creation functions: the element dtype and the registered backend to allocate on. */
export interface CreateOptions {
  dtype?: DType;
  /** Name of a registered backend; the current default when omitted. */
  backend?: string;
}

/** Wraps host data (copied) as a tensor of `shape` on the chosen backend. */
export function fromFlat(data: TypedArray | readonly number[], shape: Shape, options: CreateOptions = {}): Tensor {
  assertValidShape('fromFlat', shape);
  if (data.length !== sizeOf(shape)) {
    throw shapeError(
      'fromFlat',
      `${data.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  const dtype = options.dtype ?? (ArrayBuffer.isView(data) ? dtypeOfArray(data as TypedArray) : 'float32');
  const array = allocateArray(dtype, data.length);
  for (let i = 0; i < data.length; i++) array[i] = Number(data[i]);
  return new Tensor(getBackend(options.backend).upload(array), shape);
}

/** A tensor from nested arrays (`[[1, 2], [3, 4]]`), a number (0-d), or a typed array (1-D). */
export function tensor(values: NestedArray | TypedArray, options: CreateOptions = {}): Tensor {
  if (ArrayBuffer.isView(values)) return fromFlat(values, [values.length], options);
  const shape: number[] = [];
  for (let v: NestedArray = values; Array.isArray(v); v = v[0]!) shape.push(v.length);
  const flat: number[] = [];
  const visit = (v: NestedArray, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw shapeError('tensor', `ragged nested array: expected a number at depth ${depth}`);
      flat.push(Number(v));
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw shapeError('tensor', `ragged nested array: expected length ${shape[depth]} at depth ${depth}`);
    }
    for (const item of v) visit(item, depth + 1);
  };
  visit(values, 0);
  return fromFlat(flat, shape, options);
}

/** A tensor of `shape` with every element `value` (float32 unless `options.dtype`). */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  assertValidShape('full', shape);
  const array = allocateArray(options.dtype ?? 'float32', sizeOf(shape));
  array.fill(value);
  return new Tensor(getBackend(options.backend).upload(array), shape);
}

/** A tensor of `shape` filled with 0. */
export const zeros = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 0, options);
/** A tensor of `shape` filled with 1. */
export const ones = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 1, options);
/** A 0-d tensor holding `value`. */
export const scalar = (value: number, options: CreateOptions = {}): Tensor => full([], value, options);

/** `zeros`/`ones`/`full` with the shape, dtype and backend of `like`. */
export function fullLike(like: Tensor, value: number): Tensor {
  return full(like.shape, value, { dtype: like.dtype, backend: like.backend.name });
}
/** Zeros with the shape, dtype and backend of `like`. */
export const zerosLike = (like: Tensor): Tensor => fullLike(like, 0);
/** Ones with the shape, dtype and backend of `like`. */
export const onesLike = (like: Tensor): Tensor => fullLike(like, 1);

/** Values start, start + step, ... below stop (NumPy's arange). `arange(n)` is 0..n-1. */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw shapeError('arange', 'step must not be 0');
  const length = Math.max(Math.ceil((stop - start) / step), 0);
  const array = allocateArray(options.dtype ?? 'float32', length);
  for (let i = 0; i < length; i++) array[i] = start + i * step;
  return new Tensor(getBackend(options.backend).upload(array), [length]);
}

/** The n x m identity (m defaults to n). */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  assertValidShape('eye', [n, m]);
  const array = allocateArray(options.dtype ?? 'float32', n * m);
  for (let i = 0; i < Math.min(n, m); i++) array[i * m + i] = 1;
  return new Tensor(getBackend(options.backend).upload(array), [n, m]);
}

/** Copies a tensor to another registered backend (reads it back first: may wait on a device). */
export async function toBackend(t: Tensor, backend: string): Promise<Tensor> {
  if (t.backend.name === backend) return t;
  return fromFlat(await t.data(), t.shape, { dtype: t.dtype, backend });
}
