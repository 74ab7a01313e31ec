import gpujs from 'gpu.js';

/**
 * The part of gpu.js this package uses, typed loosely: gpu.js 2.24's own typings predate its
 * webgpu and webasm modes. A kernel called in pipeline mode returns its output resident on the
 * device — a WebGPUBufferResult (webgpu), a texture (webgl2, webgl) or a Float32Array (webasm,
 * cpu) — and webgpu kernels return a Promise of it.
 */
export type GpuMode = 'webgpu' | 'webgl2' | 'webasm' | 'cpu';
/** All GPU.js modes, in the order `auto` tries them. */
export const GPU_MODES: readonly GpuMode[] = ['webgpu', 'webgl2', 'webasm', 'cpu'];

/** A kernel's output left on the device. */
export type DeviceHandle =
  | Float32Array
  | { toArray(): Float32Array | Promise<Float32Array> | number[]; delete?(): void; clone?(): DeviceHandle };

export interface GpuJsKernel {
  (...args: unknown[]): DeviceHandle | Promise<DeviceHandle>;
  /** The backend-specific kernel, created on the first call. */
  kernel?: { constructor: { name: string }; fallbackReason?: string | null };
  destroy?(): void;
}

export interface GpuJsInstance {
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): void | Promise<void>;
}

interface GpuJsStatic {
  new (settings: { mode: string }): GpuJsInstance;
  isWebGPUAvailable(): Promise<boolean>;
  isWebGPUSupported: boolean;
  isWebGL2Supported: boolean;
  isWebAssemblySupported?: boolean;
}

export const GPU = (gpujs as unknown as { GPU: GpuJsStatic }).GPU;

/**
 * The mode a gpu.js kernel actually ran in, from its kernel class (gpu.js can degrade silently,
 * e.g. webasm to cpu; WebGL2 kernels report 'gpu' as their mode, hence the class name).
 */
export function modeThatRan(kernel: GpuJsKernel): string | null {
  const name = kernel.kernel?.constructor.name;
  switch (name) {
    case 'WebGPUKernel':
      return 'webgpu';
    case 'WebGL2Kernel':
      return 'webgl2';
    case 'WebGLKernel':
      return 'webgl';
    case 'WebAssemblyKernel':
      return 'webasm';
    case 'CPUKernel':
      return 'cpu';
    case 'HeadlessGLKernel':
      return 'headlessgl';
    default:
      return name ?? null;
  }
}
