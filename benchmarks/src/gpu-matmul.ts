/**
 * float32 n x n matmul on a gpu backend, two ways:
 * - resident: A and B uploaded once; the timed loop queues matmuls (each output released right
 *   after, as a training step would) and ends with one wait for the device — no readback of C;
 * - upload+read: each operation uploads A and B, multiplies and reads C back (`await data()`).
 * GFLOP/s = 2n³ / time.
 */
import * as T from '@lorafa/tensor';
import type { GpuBackend } from '@lorafa/gpu';
import type { DeviceTiming } from './gpu-timing.js';
import { deviceIdle, timeAwaited, timeQueued, timingFor } from './gpu-timing.js';

export const matmulFlops = (n: number) => 2 * n ** 3;

/** Uniform [0, 1) values, the same for every implementation at a given n and seed. */
export function hostMatrix(n: number, seed: number): Float32Array {
  return T.rand([n * n], { rng: new T.Rng(seed), backend: 'cpu' }).dataSync() as Float32Array;
}

export interface MatmulTiming extends DeviceTiming {
  readsPerOp: number;
}

export async function timeResidentMatmul(backend: GpuBackend, n: number, quick: boolean): Promise<MatmulTiming> {
  const on = { backend: backend.name };
  const a = T.fromFlat(hostMatrix(n, 1), [n, n], on);
  const b = T.fromFlat(hostMatrix(n, 2), [n, n], on);
  const idle = deviceIdle(backend);
  await idle.wait(); // the uploads are not part of a resident matmul
  const readsBefore = backend.reads - idle.reads; // reads other than the fence's
  const timing = await timeQueued(() => T.releaseStorage(T.matmul(a, b).storage), idle.wait, timingFor(quick));
  const operations = 2 + timing.reps * timing.batches; // the warm-up and sizing runs, then the timed ones
  const readsPerOp = (backend.reads - idle.reads - readsBefore) / operations;
  T.releaseStorage(a.storage);
  T.releaseStorage(b.storage);
  return { ...timing, readsPerOp };
}

export async function timeTransferMatmul(backend: GpuBackend, n: number, quick: boolean): Promise<MatmulTiming> {
  const [hostA, hostB] = [hostMatrix(n, 1), hostMatrix(n, 2)];
  const on = { backend: backend.name };
  let operations = 0;
  const readsBefore = backend.reads;
  const timing = await timeAwaited(async () => {
    const a = T.fromFlat(hostA, [n, n], on);
    const b = T.fromFlat(hostB, [n, n], on);
    const c = T.matmul(a, b);
    await c.data();
    for (const t of [a, b, c]) T.releaseStorage(t.storage);
    operations++;
  }, timingFor(quick));
  return { ...timing, readsPerOp: (backend.reads - readsBefore) / operations };
}
