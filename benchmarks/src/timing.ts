/**
 * Timing helpers shared by the benchmarks. Each measurement warms up, then repeats until a
 * time budget is spent (at least `minRuns` times) and reports the median, which is robust to
 * the noise of a shared machine. Compare libraries side by side in one process, as ratios.
 */
import os from 'node:os';

export interface Measurement {
  medianMs: number;
  runs: number;
}

export interface MeasureOptions {
  budgetMs?: number;
  minRuns?: number;
  warmup?: number;
}

/** A smoke run's settings (`--quick`): one warm-up and two timed runs, no time budget. */
export const QUICK: MeasureOptions = { budgetMs: 0, minRuns: 2, warmup: 1 };

export async function measure(run: () => void | Promise<void>, options: MeasureOptions = {}): Promise<Measurement> {
  const { budgetMs = 1500, minRuns = 3, warmup = 1 } = options;
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/** The median of `values` (the upper one of the middle two when their count is even). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  return [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
}

export function machine(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string } {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

export function parseFlags(argv: readonly string[]): { json: boolean; quick: boolean; sizes?: number[] } {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--sizes');
  const sizes = i >= 0 ? argv[i + 1]?.split(',').map(Number) : undefined;
  if (sizes?.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`--sizes expects comma-separated positive integers, got '${argv[i + 1]}'`);
  }
  return { json, quick, sizes };
}
