/**
 * Timing on a queued device. A gpu backend's kernel methods return at once and queue the work,
 * so a resident measurement issues `reps` operations back to back and awaits one `sync()` at
 * the end: the median batch time over `reps` is the time per operation, with no readback.
 */
import type { MeasureOptions } from './timing.js';
import { measure } from './timing.js';

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
 * one `sync`. The first call compiles the kernels and is not timed; a second, timed alone, sizes
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
