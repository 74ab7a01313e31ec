import { expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { createGpuBackend } from '@lorafa/gpu';

it.each(['cpu', 'webasm'] as const)('smoke %s', async (mode) => {
  const backend = await createGpuBackend({ mode });
  T.registerBackend(backend);
  const a = T.tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { backend: backend.name, dtype: 'float32' },
  );
  const b = T.tensor(
    [
      [1, 0],
      [0, 1],
      [1, 1],
    ],
    { backend: backend.name, dtype: 'float32' },
  );
  const c = T.matmul(a, b);
  expect(Array.from(await c.data())).toEqual([4, 5, 10, 11]);
  expect(Array.from(await T.sum(a.transpose(), 0).data())).toEqual([6, 15]);
  expect(Array.from(await T.exp(a).data()).map((v) => Math.round(v))).toEqual([3, 7, 20, 55, 148, 403]);
  const idx = T.tensor([2, 0], { backend: backend.name, dtype: 'int32' });
  expect(Array.from(await T.indexSelect(a, 1, idx).data())).toEqual([3, 1, 6, 4]);
  expect(Array.from(await T.argmax(a, -1).data())).toEqual([2, 2]);
});
