import { afterAll, beforeAll } from 'vitest';
import * as T from '@lorafa/tensor';
import type { GpuBackend } from '@lorafa/gpu';
import { createGpuBackend } from '@lorafa/gpu';
import { conformanceSuite } from './support/conformance-suite.js';

/** The gpu backend's conformance suite in Node, on the modes Node has: gpu.js's cpu and webasm. */
for (const mode of ['cpu', 'webasm'] as const) {
  let backend: GpuBackend;
  beforeAll(async () => {
    backend = await createGpuBackend({ mode });
    T.registerBackend(backend);
  });
  afterAll(() => backend.destroy());
  conformanceSuite(mode, () => backend, { numRuns: 30 });
}
