/**
 * @lorafa/gpu: gpu.js kernels (webgpu, webgl2, webasm, cpu modes) behind @lorafa/tensor's
 * backend seam, with resident storage and a command queue, and LoRA-FA's fused kernels.
 * Nothing is registered on import: call createGpuBackend and registerBackend.
 */
export type { GpuBackend } from './backend.js';
export { MAX_ELEMENTS } from './backend.js';
export type { GpuMode } from './gpujs.js';
export { GPU_MODES } from './gpujs.js';
export type { CreateGpuBackendOptions, GpuModeRequest } from './create.js';
export { createGpuBackend, probeGpuMode, GpuUnavailableError } from './create.js';
export { GpuModeError } from './kernel-cache.js';
