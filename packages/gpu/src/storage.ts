import type { Backend, DType, Storage } from '@lorafa/tensor';
import type { DeviceHandle } from './gpujs.js';

/**
 * A tensor's buffer on the device. Every dtype is held as float32 there (int32 indices and bool
 * masks are exact as float32 up to 2^24); the dtype says how `read` converts it back. The handle
 * is filled in when the command that produces it runs (see CommandQueue), so a storage exists
 * synchronously, before its values do — that is what lets a training step be a queue of kernels.
 */
export class GpuStorage implements Storage {
  handle: DeviceHandle | null = null;
  /** Set when release is issued; the device memory is freed when the queue reaches the release. */
  released = false;

  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly length: number,
    /** Which kernel produced it, for error messages. */
    readonly producer: string,
  ) {}

  /** Refuses a storage whose release was issued: any later command would read freed memory. */
  checkUsable(): void {
    if (this.released) {
      throw new Error(
        `${this.backend.name} backend: this storage (${this.dtype}, ${this.length} elements, from ${this.producer}) was released; a tensor that uses it is no longer valid`,
      );
    }
  }

  /** The device buffer, for a command that is running now (commands run in issue order). */
  deviceHandle(): DeviceHandle {
    if (this.handle === null) {
      throw new Error(
        `${this.backend.name} backend: the output of ${this.producer} is not on the device (freed, or never produced)`,
      );
    }
    return this.handle;
  }
}

/** Copies a handle's values to the host as float32. */
export async function downloadHandle(handle: DeviceHandle, length: number): Promise<Float32Array> {
  if (handle instanceof Float32Array) return handle.slice(0, length);
  const values = await handle.toArray();
  return values instanceof Float32Array
    ? values.slice(0, length)
    : Float32Array.from(values as ArrayLike<number>).slice(0, length);
}

/** Frees the device memory behind a handle (host arrays are left to the garbage collector). */
export function deleteHandle(handle: DeviceHandle | null): void {
  if (handle !== null && !(handle instanceof Float32Array)) handle.delete?.();
}
