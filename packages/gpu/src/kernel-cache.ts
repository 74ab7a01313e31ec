import type { DeviceHandle, GpuJsInstance, GpuJsKernel, GpuMode } from './gpujs.js';
import { modeThatRan } from './gpujs.js';

/** Thrown when gpu.js ran a kernel in another mode than the one the backend was created for. */
export class GpuModeError extends Error {
  override name = 'GpuModeError';
}

/**
 * Compiles each generated kernel source once (per output length) and runs it. Every kernel
 * keeps its output on the device (`pipeline`), gets a fresh output buffer per call
 * (`immutable`, so an earlier result is never overwritten), and computes in float32.
 * After a kernel's first run the mode that actually ran is checked against the backend's.
 */
export class KernelCache {
  private readonly kernels = new Map<string, GpuJsKernel>();
  private readonly checked = new WeakSet<GpuJsKernel>();

  constructor(
    private readonly gpu: GpuJsInstance,
    readonly mode: GpuMode,
  ) {}

  /** Number of distinct kernels compiled so far. */
  get size(): number {
    return this.kernels.size;
  }

  async run(label: string, source: string, length: number, args: readonly unknown[]): Promise<DeviceHandle> {
    const kernel = this.kernelFor(source, length);
    const handle = await kernel(...args);
    if (!this.checked.has(kernel)) {
      const ran = modeThatRan(kernel);
      if (ran !== this.mode) {
        const reason = kernel.kernel?.fallbackReason;
        throw new GpuModeError(
          `gpu:${this.mode} backend: gpu.js ran ${label} in mode '${ran}'${reason ? ` (${reason})` : ''}; refusing to continue in another mode than the one asked for`,
        );
      }
      this.checked.add(kernel);
    }
    return handle;
  }

  private kernelFor(source: string, length: number): GpuJsKernel {
    const key = `${length}|${source}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(source, {
        output: [length],
        pipeline: true,
        immutable: true,
        precision: 'single',
        tactic: 'precision',
        dynamicArguments: true,
        loopMaxIterations: 1 << 24,
      });
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  destroy(): void {
    for (const kernel of this.kernels.values()) kernel.destroy?.();
    this.kernels.clear();
  }
}
