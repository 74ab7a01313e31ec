/**
 * Timing on a queued device. A gpu backend's kernel methods return at once and queue the work,
 * so a resident measurement issues `reps` operations back to back and then waits once for the
 * device to finish (`sync()`, then a one-float fence read): the median batch time over `reps` is
 * the time per operation, with no readback of the operations' outputs.
 */
import * as T from '@lorafa/tensor';
import type { GpuBackend } from '@lorafa/gpu';
import type { MeasureOptions } from './timing.js';
import { measure } from './timing.js';

/** Waits until the device has run everything issued so far; counts the reads it made. */
export interface DeviceIdle {
  wait(): Promise<void>;
  /** Reads made by `wait` so far (not the measured operations' reads). */
  readonly reads: number;
}

/**
 * `backend.sync()` waits until the backend's queue has issued every command, but on webgpu
 * gpu.js resolves a pipeline kernel when it is submitted, not when it completes
 * (node_modules/gpu.js/src/backend/web-gpu/kernel.js: `queue.submit(...)` then
 * `Promise.resolve(new WebGPUBufferResult(...))`), so sync alone would time submission (in
 * Chromium on SwiftShader, 2026-11-29, sync() resolved 3.5–9.3 ms after 8 queued 512 x 512
 * matmuls that took 21–29 s to finish). Reading back one float32 (copied and mapped after
 * everything before it, and WebGPU runs submissions in order) waits for the device to finish;
 * its 4 bytes are counted apart from the operations' reads.
 */
export function deviceIdle(backend: GpuBackend): DeviceIdle {
  const fence = T.fromFlat(new Float32Array(1), [1], { backend: backend.name });
  let reads = 0;
  return {
    async wait() {
      await backend.sync();
      await fence.data();
      reads++;
    },
    get reads() {
      return reads;
    },
  };
}

export interface DeviceTiming {
  /** Median milliseconds per operation. */
  ms: number;
  /** Operations per timed batch. */
  reps: number;
  /** Timed batches. */
  batches: number;
}

/** About this much work per timed batch, so that the final sync is a small part of it. */
const BATCH_TARGET_MS = 200;

/**
 * Times `issue` (which queues one operation and must not read anything back) in batches ended by
 * one `sync` (for a gpu backend, DeviceIdle's `wait`). The first call compiles the kernels and is not timed; a second, timed alone, sizes
 * the batches (one operation per batch in a quick run).
 */
export async function timeQueued(
  issue: () => void,
  sync: () => Promise<void>,
  options: MeasureOptions & { quick: boolean },
): Promise<DeviceTiming> {
  issue();
  await sync();
  const start = performance.now();
  issue();
  await sync();
  const single = performance.now() - start;
  const reps = options.quick ? 1 : Math.max(1, Math.min(20, Math.round(BATCH_TARGET_MS / Math.max(single, 1e-3))));
  const { medianMs, runs } = await measure(
    async () => {
      for (let i = 0; i < reps; i++) issue();
      await sync();
    },
    { ...options, warmup: 0 },
  );
  return { ms: medianMs / reps, reps, batches: runs };
}

/** Times an operation that awaits its own result (uploads, reads back) one at a time. */
export async function timeAwaited(run: () => Promise<void>, options: MeasureOptions): Promise<DeviceTiming> {
  const { medianMs, runs } = await measure(run, { ...options, warmup: 1 });
  return { ms: medianMs, reps: 1, batches: runs };
}

/** The measurement settings: --quick times two runs with no budget; otherwise about a second per cell. */
export function timingFor(quick: boolean): MeasureOptions & { quick: boolean } {
  return quick ? { budgetMs: 0, minRuns: 2, quick } : { budgetMs: 1000, minRuns: 3, quick };
}
