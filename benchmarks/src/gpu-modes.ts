/**
 * Which gpu.js modes bench:gpu runs, at which sizes, and the backend each measurement gets.
 *
 * WebGPU in Node comes from Dawn (`installNodeWebGpu`); where Dawn finds no adapter, or WebGL2
 * has no browser canvas, the mode is listed as unavailable with gpu.js's reason — not an error.
 */
import * as T from '@lorafa/tensor';
import type { GpuBackend, GpuMode } from '@lorafa/gpu';
import { createGpuBackend, GPU_MODES, probeGpuMode } from '@lorafa/gpu';
import { installNodeWebGpu } from '@lorafa/gpu/node';
import type { StepShape } from './step-lorafa.js';

export interface Unavailable {
  /** The gpu.js mode, as in the rows (the backend's name is `gpu:<mode>`). */
  mode: string;
  reason: string;
}

/** The matrix sizes of the issue: n x n matmuls, and LoRA-FA layers with N = in = out = n. */
export const SIZES = [256, 512, 1024, 2048, 4096] as const;

/**
 * The largest n per mode. The CPU modes run gpu.js's generated kernels on the host at about
 * 0.6 GFLOP/s (measured on the 2-core machine), so a 1024 matmul there takes seconds to tens of
 * seconds; --quick caps every mode further, for a smoke run.
 */
const MAX_N: Record<GpuMode, { full: number; quick: number }> = {
  webgpu: { full: 4096, quick: 512 },
  webgl2: { full: 4096, quick: 512 },
  webasm: { full: 512, quick: 256 },
  cpu: { full: 512, quick: 256 },
};

export function sizesFor(mode: GpuMode, quick: boolean, asked: readonly number[] = SIZES): number[] {
  const cap = MAX_N[mode][quick ? 'quick' : 'full'];
  return asked.filter((n) => n <= cap);
}

/** bench:step's GPT-2 (4 x 256, 4 heads, sequence 128, batch 8, r 16) and its --quick shape. */
export const FULL_STEP: StepShape = { layers: 4, embd: 256, heads: 4, vocab: 257, seq: 128, batch: 8, rank: 16 };
export const QUICK_STEP: StepShape = { layers: 2, embd: 64, heads: 4, vocab: 257, seq: 32, batch: 4, rank: 4 };

/**
 * The step shape per mode: the full one on the GPU modes; on the CPU modes, whose matmuls run at
 * under 1 GFLOP/s, a full step (about 14 GFLOP) took about a minute on gpu:webasm on the 2-core
 * machine (59 and 81 s, 2026-11-29), so they run the --quick shape and their row says so.
 */
export function stepShapeFor(mode: GpuMode, quick: boolean): { shape: StepShape; note?: string } {
  if (quick) return { shape: QUICK_STEP, note: 'bench:step --quick shape (--quick)' };
  if (mode === 'webasm' || mode === 'cpu') {
    return {
      shape: QUICK_STEP,
      note: `bench:step --quick shape: gpu:${mode} multiplies at under 1 GFLOP/s, so a full-shape step takes about a minute`,
    };
  }
  return { shape: FULL_STEP };
}

/** Parses `--modes webgpu,cpu` (default: every mode, in gpu.js's order of preference). */
export function parseModes(argv: readonly string[]): GpuMode[] {
  const i = argv.indexOf('--modes');
  if (i < 0) return [...GPU_MODES];
  const modes = (argv[i + 1] ?? '').split(',');
  for (const mode of modes) {
    if (!GPU_MODES.includes(mode as GpuMode)) {
      throw new Error(`--modes expects a comma-separated list of ${GPU_MODES.join(', ')}; got '${argv[i + 1]}'`);
    }
  }
  return modes as GpuMode[];
}

/** Probes each mode once (after putting Dawn's WebGPU on navigator.gpu) and sorts them. */
export async function probeModes(
  modes: readonly GpuMode[],
): Promise<{ available: GpuMode[]; unavailable: Unavailable[] }> {
  const dawn = await installNodeWebGpu();
  const available: GpuMode[] = [];
  const unavailable: Unavailable[] = [];
  for (const mode of modes) {
    const probe = await probeGpuMode(mode);
    if (probe.available) available.push(mode);
    else unavailable.push({ mode, reason: explain(mode, probe.reason, dawn) });
  }
  return { available, unavailable };
}

function explain(mode: GpuMode, reason: string, dawnLoaded: boolean): string {
  if (mode === 'webgl2') return `${reason} (gpu.js's WebGL2 needs a browser; the browser tests run it in Chromium)`;
  if (mode === 'webgpu' && !dawnLoaded) return `${reason} (the 'webgpu' package, Dawn, did not load)`;
  if (mode === 'webgpu')
    return `${reason}; Dawn (the 'webgpu' package) is on navigator.gpu and found no GPU adapter here`;
  return reason;
}

/**
 * Runs `measure` on a fresh backend of `mode`, registered under its name, destroyed after. A
 * fresh backend per measurement means a failed kernel (which poisons the backend's queue)
 * cannot affect the next one. The backend's own `mode` is the mode that ran.
 */
export async function withBackend<R>(mode: GpuMode, measure: (backend: GpuBackend) => Promise<R>): Promise<R> {
  const backend = await createGpuBackend({ mode });
  if (backend.mode !== mode) {
    backend.destroy();
    throw new Error(`asked for gpu:${mode}, got ${backend.name}`);
  }
  T.registerBackend(backend);
  try {
    return await measure(backend);
  } finally {
    backend.destroy();
  }
}
