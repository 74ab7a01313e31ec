import type { DType, TypedArray } from '../../dtype.js';
import { allocateArray as freshArray } from '../../dtype.js';

/**
 * Typed arrays handed back by released storages (see backend.release), kept for the next
 * kernel that asks for the same dtype and length. A training step allocates the same shapes
 * every time, so after the first step most outputs come from here: no page faults on fresh
 * memory, and far less for the garbage collector.
 *
 * Only arrays of at least MIN_POOLED_BYTES are kept (small ones are cheap to allocate), and at
 * most MAX_POOLED_BYTES in all (beyond that, released arrays are left to the garbage collector).
 */
const MIN_POOLED_BYTES = 16 * 1024;
const MAX_POOLED_BYTES = 2 ** 30;

const free = new Map<string, TypedArray[]>();
let pooledBytes = 0;
/** Arrays that came from the pool and have not yet been counted by a backend. */
const recycled = new WeakSet<TypedArray>();

const keyOf = (dtype: DType, length: number) => `${dtype}:${length}`;

/** A zero-filled array, as dtype.allocateArray, taken from the pool when one of that size waits there. */
export function allocateArray(dtype: DType, length: number): TypedArray {
  const reused = free.get(keyOf(dtype, length))?.pop();
  if (!reused) return freshArray(dtype, length);
  pooledBytes -= reused.byteLength;
  recycled.add(reused);
  return reused.fill(0);
}

/**
 * Like allocateArray, but a reused array keeps whatever it held: for kernels that write every
 * element of their output, which saves a whole pass over memory per kernel.
 */
export function allocateOutput(dtype: DType, length: number): TypedArray {
  const reused = free.get(keyOf(dtype, length))?.pop();
  if (!reused) return freshArray(dtype, length);
  pooledBytes -= reused.byteLength;
  recycled.add(reused);
  return reused;
}

/** Keeps an array nobody uses any more for reuse. */
export function recycleArray(dtype: DType, array: TypedArray): void {
  if (array.byteLength < MIN_POOLED_BYTES || pooledBytes + array.byteLength > MAX_POOLED_BYTES) return;
  const key = keyOf(dtype, array.length);
  const list = free.get(key);
  if (list) list.push(array);
  else free.set(key, [array]);
  pooledBytes += array.byteLength;
}

/** True (once) if `array` was handed out again from the pool rather than freshly allocated. */
export function takeRecycledMark(array: TypedArray): boolean {
  return recycled.delete(array);
}
