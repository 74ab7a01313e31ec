import type { GpuBackend } from './backend.js';
import { gpuBackendOver } from './backend.js';
import type { GpuMode } from './gpujs.js';
import { GPU, GPU_MODES, modeThatRan } from './gpujs.js';

/** A mode, or `auto`: the first of webgpu, webgl2, webasm, cpu that works here. */
export type GpuModeRequest = GpuMode | 'auto';

/** Options for `createGpuBackend`: which GPU.js mode to run, or `auto`. */
export interface CreateGpuBackendOptions {
  mode: GpuModeRequest;
}

/** Thrown when the asked-for mode cannot run here (no WebGPU adapter, no WebGL2 context, ...). */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
  constructor(
    readonly mode: GpuModeRequest,
    readonly reason: string,
  ) {
    super(`gpu:${mode} is not available here: ${reason}`);
  }
}

/** Whether a mode can run here, and if not, why. Never throws. */
export async function probeGpuMode(mode: GpuMode): Promise<{ available: true } | { available: false; reason: string }> {
  try {
    if (mode === 'webgpu' && !(await GPU.isWebGPUAvailable())) {
      return { available: false, reason: 'no WebGPU adapter answered (navigator.gpu missing or no usable device)' };
    }
    if (mode === 'webgl2' && !GPU.isWebGL2Supported) {
      return { available: false, reason: 'WebGL2 is not supported in this environment' };
    }
    const gpu = new GPU({ mode });
    try {
      const kernel = gpu.createKernel('function (x) {\nreturn x[this.thread.x] * 2;\n}', {
        output: [4],
        precision: 'single',
      });
      const out = await kernel(new Float32Array([1, 2, 3, 4]));
      const ran = modeThatRan(kernel);
      if (ran !== mode) {
        return {
          available: false,
          reason: `gpu.js ran a probe kernel in mode '${ran}' (${kernel.kernel?.fallbackReason ?? 'no reason given'})`,
        };
      }
      const values = Array.from(out as ArrayLike<number>);
      if (values.join() !== '2,4,6,8')
        return { available: false, reason: `a probe kernel computed ${values.join(', ')} for 2, 4, 6, 8` };
      return { available: true };
    } finally {
      void gpu.destroy();
    }
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Creates the gpu backend for `mode` (register it with `registerBackend`, select it with
 * `setBackend(backend.name)`). Its name is `gpu:<mode that runs>`. An explicit mode that cannot
 * run here is refused with GpuUnavailableError; a kernel that gpu.js later runs in another mode
 * fails with GpuModeError. `auto` takes the first mode that works, in the order webgpu, webgl2,
 * webasm, cpu.
 */
export async function createGpuBackend(options: CreateGpuBackendOptions): Promise<GpuBackend> {
  const candidates = options.mode === 'auto' ? GPU_MODES : [options.mode];
  if (!GPU_MODES.includes(candidates[0]!)) {
    throw new Error(`createGpuBackend: unknown mode '${options.mode}' (expected ${[...GPU_MODES, 'auto'].join(', ')})`);
  }
  const reasons: string[] = [];
  for (const mode of candidates) {
    const probe = await probeGpuMode(mode);
    if (probe.available) return gpuBackendOver(new GPU({ mode }), mode);
    reasons.push(`${mode}: ${probe.reason}`);
  }
  throw new GpuUnavailableError(options.mode, reasons.join('; '));
}
