import type { DType, TypedArray } from '../../dtype.js';
import { dtypeOfArray } from '../../dtype.js';
import type { Backend, Storage, View } from '../backend.js';

/** CPU storage is just a typed array on the JavaScript heap. */
export class CpuStorage implements Storage {
  readonly dtype: DType;
  constructor(
    readonly backend: Backend,
    readonly data: TypedArray,
  ) {
    this.dtype = dtypeOfArray(data);
  }
  get length(): number {
    return this.data.length;
  }
}

/** The typed array behind a view, checking that the view really lives on the CPU backend. */
export function dataOf(view: View | Storage): TypedArray {
  const storage = 'storage' in view ? view.storage : view;
  if (!(storage instanceof CpuStorage)) {
    throw new Error(`cpu backend: storage belongs to backend '${storage.backend.name}'; move it with toBackend() first`);
  }
  return storage.data;
}
