import { expect, it } from 'vitest';
import { installNodeWebGpu } from '@lorafa/gpu/node';
import { createGpuBackend, GpuUnavailableError, probeGpuMode } from '@lorafa/gpu';

/**
 * WebGPU in Node through Dawn. On a machine with a Vulkan GPU it must run (the GPU machine);
 * on these CPU machines Dawn finds no adapter, which must come back as "unavailable" with a
 * reason — never as a crash, and never as a silent run in another mode.
 */
it('gpu:webgpu in Node is either available and runs in webgpu mode, or unavailable with a reason', async () => {
  expect(await installNodeWebGpu()).toBe(true);
  const probe = await probeGpuMode('webgpu');
  if (probe.available) {
    const backend = await createGpuBackend({ mode: 'webgpu' });
    expect(backend.name).toBe('gpu:webgpu');
    backend.destroy();
  } else {
    console.log(`gpu:webgpu unavailable in Node here: ${probe.reason}`);
    expect(probe.reason).toMatch(/adapter|WebGPU/);
    await expect(createGpuBackend({ mode: 'webgpu' })).rejects.toBeInstanceOf(GpuUnavailableError);
  }
});
