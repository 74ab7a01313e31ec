import type { DType, TypedArray } from '../../dtype.js';
import { dtypeOfArray } from '../../dtype.js';
import type { Backend, Storage, View } from '../backend.js';
import { recycleArray } from './pool.js';

/**
 * CPU storage is just a typed array on the JavaScript heap. Releasing it hands the array to
 * the pool for reuse; any later use of the storage throws rather than read someone else's data.
 */
export class CpuStorage implements Storage {
  readonly dtype: DType;
  readonly length: number;
  #data: TypedArray | null;

  constructor(
    readonly backend: Backend,
    data: TypedArray,
  ) {
    this.dtype = dtypeOfArray(data);
    this.length = data.length;
    this.#data = data;
  }

  get data(): TypedArray {
    if (this.#data === null) {
      throw new Error(
        `${this.backend.name} backend: this storage (${this.dtype}, ${this.length} elements) was released and its memory reused; a tensor that uses it is no longer valid`,
      );
    }
    return this.#data;
  }

  get released(): boolean {
    return this.#data === null;
  }

  /** Hands the array to the pool for reuse; any later use of this storage throws. */
  release(): void {
    if (this.#data === null) return;
    recycleArray(this.dtype, this.#data);
    this.#data = null;
  }
}

/** The typed array behind a view, checking that the view really lives on the CPU backend. */
export function dataOf(view: View | Storage): TypedArray {
  const storage = 'storage' in view ? view.storage : view;
  if (!(storage instanceof CpuStorage)) {
    throw new Error(
      `cpu backend: storage belongs to backend '${storage.backend.name}'; move it with toBackend() first`,
    );
  }
  return storage.data;
}
