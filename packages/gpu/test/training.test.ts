import { afterAll, beforeAll } from 'vitest';
import * as T from '@lorafa/tensor';
import type { GpuBackend } from '@lorafa/gpu';
import { createGpuBackend } from '@lorafa/gpu';
import { trainingSuite } from './support/training-suite.js';

for (const mode of ['cpu', 'webasm'] as const) {
  let backend: GpuBackend;
  beforeAll(async () => {
    backend = await createGpuBackend({ mode });
    T.registerBackend(backend);
  });
  afterAll(() => backend.destroy());
  trainingSuite(() => backend);
}
