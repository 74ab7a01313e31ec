import ndarray from 'ndarray';
import type { DType, TypedArray } from './dtype.js';
import { bytesPerElement } from './dtype.js';
import { formatShape, shapeError } from './errors.js';
import type { Backend, Storage, View } from './backend/backend.js';
import type { Shape } from './shape.js';
import { assertValidShape, contiguousStrides, isRowMajor, normalizeAxis, sizeOf } from './shape.js';

/** Numbers nested as arrays, one level per axis (what `tensor()` takes and `array()` gives). */
export type NestedArray = number | boolean | NestedArray[];

/** A slice along one axis: a single index (drops the axis), or a [start, stop, step] range. */
export type SliceSpec = number | { start?: number; stop?: number; step?: number } | null;

/**
 * A strided view of a storage. Views (reshape of contiguous data, permute, slice, expand) share
 * the storage and differ only in shape, strides and offset; `contiguous()` copies when needed.
 *
 * The view arithmetic for permute and slice is done by `ndarray` over the storage handle: it
 * already knows how lo/hi/step/transpose move offsets and strides, and it works whether the
 * storage is a typed array here or a buffer on a GPU, since it never touches elements.
 */
export class Tensor implements View {
  readonly shape: Shape;
  readonly strides: readonly number[];

  constructor(
    readonly storage: Storage,
    shape: Shape,
    strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
  }

  get dtype(): DType {
    return this.storage.dtype;
  }
  get backend(): Backend {
    return this.storage.backend;
  }
  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Bytes of the whole storage this view keeps alive. */
  get storageBytes(): number {
    return this.storage.length * bytesPerElement(this.dtype);
  }

  /** True when elements lie in row-major order with no gaps (axes of length 1 are ignored). */
  get isContiguous(): boolean {
    return isRowMajor(this.shape, this.strides);
  }

  /** This tensor if already contiguous, else a row-major copy. */
  contiguous(): Tensor {
    if (this.isContiguous) return this;
    return new Tensor(this.backend.copy(this), this.shape);
  }

  /** Same data, new shape. A view when contiguous (one dimension may be -1), else a copy. */
  reshape(shape: Shape): Tensor {
    const resolved = resolveReshape(this.shape, shape);
    const source = this.contiguous();
    return new Tensor(source.storage, resolved, contiguousStrides(resolved), source.offset);
  }

  /** Reorders axes: `permute([1, 0])` transposes a matrix. Always a view. */
  permute(axes: readonly number[]): Tensor {
    const normalized = axes.map((a) => normalizeAxis('permute', a, this.rank));
    if (normalized.length !== this.rank || new Set(normalized).size !== this.rank) {
      throw shapeError(
        'permute',
        `axes [${axes.join(', ')}] are not a permutation of the ${this.rank} axes of ${formatShape(this.shape)}`,
      );
    }
    return this.fromNdarray(this.asNdarray().transpose(...normalized));
  }

  /** Swaps two axes (default: the last two). Always a view. */
  transpose(axis0 = -2, axis1 = -1): Tensor {
    const order = Array.from({ length: this.rank }, (_, i) => i);
    const a = normalizeAxis('transpose', axis0, this.rank);
    const b = normalizeAxis('transpose', axis1, this.rank);
    [order[a], order[b]] = [order[b]!, order[a]!];
    return this.permute(order);
  }

  /**
   * Basic slicing, one spec per leading axis: a number picks an index (and drops the axis), a
   * range `{ start, stop, step }` keeps it (negative start/stop count from the end; step > 0),
   * `null` keeps the whole axis. Always a view.
   */
  slice(specs: readonly SliceSpec[]): Tensor {
    if (specs.length > this.rank) {
      throw shapeError('slice', `${specs.length} slice specs for a tensor of shape ${formatShape(this.shape)}`);
    }
    let view: LayoutView = this.asNdarray();
    const picks: (number | null)[] = [];
    specs.forEach((spec, axis) => {
      const size = this.shape[axis]!;
      if (typeof spec === 'number') {
        const index = spec < 0 ? spec + size : spec;
        if (!Number.isInteger(spec) || index < 0 || index >= size) {
          throw shapeError('slice', `index ${spec} is out of range for axis ${axis} of ${formatShape(this.shape)}`);
        }
        picks.push(index);
        return;
      }
      picks.push(null);
      if (spec === null) return;
      const step = spec.step ?? 1;
      if (!Number.isInteger(step) || step <= 0)
        throw shapeError('slice', `step must be a positive integer, got ${step}`);
      const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
      const start = clamp(spec.start ?? 0);
      const stop = Math.max(clamp(spec.stop ?? size), start);
      view = view
        .lo(...axisArgs(axis, start))
        .hi(...axisArgs(axis, stop - start))
        .step(...axisArgs(axis, step));
    });
    return this.fromNdarray(picks.some((p) => p !== null) ? view.pick(...(picks as number[])) : view);
  }

  /** Broadcasts to `shape` (NumPy rules) by giving repeated axes stride 0. Always a view. */
  expand(shape: Shape): Tensor {
    assertValidShape('expand', shape);
    const lead = shape.length - this.rank;
    if (lead < 0)
      throw shapeError('expand', `cannot expand ${formatShape(this.shape)} to fewer dimensions ${formatShape(shape)}`);
    const strides = shape.map((d, i) => {
      if (i < lead) return 0;
      const own = this.shape[i - lead]!;
      if (own === d) return this.strides[i - lead]!;
      if (own === 1) return 0;
      throw shapeError('expand', `cannot broadcast ${formatShape(this.shape)} to ${formatShape(shape)}`);
    });
    return new Tensor(this.storage, shape, strides, this.offset);
  }

  /** Inserts an axis of length 1 at `axis`. */
  unsqueeze(axis: number): Tensor {
    const a = normalizeAxis('unsqueeze', axis, this.rank + 1);
    const shape = [...this.shape.slice(0, a), 1, ...this.shape.slice(a)];
    const strides = [...this.strides.slice(0, a), 0, ...this.strides.slice(a)];
    return new Tensor(this.storage, shape, strides, this.offset);
  }

  /** Removes axes of length 1 (all of them, or the one named). */
  squeeze(axis?: number): Tensor {
    const drop = axis === undefined ? null : normalizeAxis('squeeze', axis, this.rank);
    if (drop !== null && this.shape[drop] !== 1) {
      throw shapeError('squeeze', `axis ${axis} of ${formatShape(this.shape)} has length ${this.shape[drop]}, not 1`);
    }
    const keep = this.shape.map((d, i) => (drop === null ? d !== 1 : i !== drop));
    return new Tensor(
      this.storage,
      this.shape.filter((_, i) => keep[i]),
      this.strides.filter((_, i) => keep[i]),
      this.offset,
    );
  }

  /** Row-major values, read from wherever the storage lives. */
  async data(): Promise<TypedArray> {
    const flat = this.contiguous();
    const all = await this.backend.read(flat.storage);
    return all.subarray(flat.offset, flat.offset + this.size);
  }

  /** Synchronous read; only for backends whose storage lives on the JavaScript heap. */
  dataSync(): TypedArray {
    const read = this.backend.readSync;
    if (!read) {
      throw new Error(
        `dataSync: backend '${this.backend.name}' keeps data off the JavaScript heap; use await tensor.data()`,
      );
    }
    const flat = this.contiguous();
    return read.call(this.backend, flat.storage).subarray(flat.offset, flat.offset + this.size);
  }

  /** Nested JavaScript arrays (numbers; bool as 0/1). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }
  /** Nested JavaScript arrays, read synchronously (backends with a `readSync`, such as the CPU). */
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /** The single value of a one-element tensor (synchronous; CPU storage). */
  item(): number {
    if (this.size !== 1) throw shapeError('item', `expected one element, got shape ${formatShape(this.shape)}`);
    return this.dataSync()[0]!;
  }

  toString(): string {
    const body = this.backend.readSync ? JSON.stringify(this.arraySync()) : '<on device>';
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}) ${body}`;
  }

  /** An ndarray over a layout-only placeholder: it computes views, it never reads elements. */
  private asNdarray(): LayoutView {
    return ndarray(LAYOUT_ONLY, [...this.shape], [...this.strides], this.offset) as LayoutView;
  }
  private fromNdarray(view: LayoutView): Tensor {
    return new Tensor(this.storage, view.shape, view.stride, view.offset);
  }
}

type LayoutView = ndarray.NdArray<ndarray.GenericArray<number>>;

/** ndarray's stand-in for data: a tensor's elements live in its storage, maybe on a device. */
const LAYOUT_ONLY: ndarray.GenericArray<number> = {
  length: 0,
  get: () => {
    throw new Error('layout-only ndarray: elements are read through the backend');
  },
  set: () => {
    throw new Error('layout-only ndarray: elements are written through the backend');
  },
};

/**
 * Arguments for ndarray's per-axis methods (lo, hi, step) that change only `axis`: ndarray
 * leaves an axis alone when its argument is not a number.
 */
function axisArgs(axis: number, value: number): number[] {
  return [...new Array<null>(axis).fill(null), value] as number[];
}

function resolveReshape(from: Shape, to: Shape): number[] {
  const unknown = to.filter((d) => d === -1).length;
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (unknown > 1 || to.some((d) => d < -1 || !Number.isInteger(d))) {
    throw shapeError('reshape', `invalid target shape ${formatShape(to)}`);
  }
  const size = sizeOf(from);
  const resolved = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(resolved) !== size || resolved.some((d) => !Number.isInteger(d))) {
    throw shapeError('reshape', `cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
  }
  return resolved;
}

function nest(flat: TypedArray, shape: Shape): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const [head, ...rest] = shape;
  const inner = sizeOf(rest);
  return Array.from({ length: head! }, (_, i) => nest(flat.subarray(i * inner, (i + 1) * inner), rest));
}
