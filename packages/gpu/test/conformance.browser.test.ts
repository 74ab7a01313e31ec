import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import type { GpuBackend } from '@lorafa/gpu';
import { createGpuBackend, probeGpuMode } from '@lorafa/gpu';
import { conformanceSuite } from './support/conformance-suite.js';
import { fusedLoraFaSuite } from './support/fused-suite.js';
import { trainingSuite } from './support/training-suite.js';

/**
 * The gpu backend's conformance suite in Chromium, on the GPU modes: WebGPU (SwiftShader in
 * headless Chromium on a machine without a GPU) and WebGL2. Both must be available here: a
 * browser test that asked for webgpu and got anything else fails rather than passes on cpu.
 */
for (const mode of ['webgpu', 'webgl2'] as const) {
  describe(`gpu:${mode} in Chromium`, () => {
    let backend: GpuBackend;
    beforeAll(async () => {
      const probe = await probeGpuMode(mode);
      if (!probe.available) throw new Error(`gpu:${mode} is not available in this browser: ${probe.reason}`);
      backend = await createGpuBackend({ mode });
      T.registerBackend(backend);
    });
    afterAll(() => backend?.destroy());
    it('is the mode that was asked for', () => expect(backend.mode).toBe(mode));
    conformanceSuite(mode, () => backend, { numRuns: 12 });
    fusedLoraFaSuite(() => backend, 10);
    trainingSuite(() => backend);
  });
}
