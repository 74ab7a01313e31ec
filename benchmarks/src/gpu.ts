/**
 * npm run bench:gpu [-- --json] [-- --quick] [-- --sizes 256,1024] [-- --modes webgpu,cpu]
 *
 * The gpu backend (@lorafa/gpu) in each gpu.js mode that runs here — webgpu (Dawn in Node),
 * webgl2 (browser-only, so listed as unavailable in Node), webasm, cpu — at n = 256 … 4096
 * (capped on the CPU modes, and further by --quick):
 * - float32 n x n matmul, resident (no readback in the timed loop, one sync at the end) and
 *   with upload + readback (gpu-matmul.ts), next to lorafa-ts's cpu-fast and, where WebGPU is
 *   there, jax-js and tfjs on WebGPU (gpu-peers.ts);
 * - LoRA-FA's layer forward + backward, fused kernels against the unfused ops (gpu-lora-fa.ts);
 * - one GPT-2 LoRA-FA training step, next to cpu-fast's step in the same run (gpu-step.ts).
 * Every row names the mode that ran; an unavailable mode is listed with its reason. --json
 * prints the report as one JSON object on stdout (everything else goes to stderr).
 */
import os from 'node:os';
import type { GpuMode } from '@lorafa/gpu';
import type { StepShape } from './step-lorafa.js';
import type { Failure, Kernel, Peer, Report, Row } from './gpu-report.js';
import { formatRow, formatTrailer, withRatios } from './gpu-report.js';
import { parseModes, probeModes, SIZES, sizesFor, stepShapeFor, withBackend } from './gpu-modes.js';
import { matmulFlops, timeResidentMatmul, timeTransferMatmul } from './gpu-matmul.js';
import { loraFaFlops, loraFaShape, timeLoraFa } from './gpu-lora-fa.js';
import type { WebGpuPeers } from './gpu-peers.js';
import { cpuFastGflops, webGpuPeers } from './gpu-peers.js';
import { describeShape, stepTokensCount, timeLoraFaStep } from './gpu-step.js';
import { machine, parseFlags } from './timing.js';

const gflops = (flops: number, ms: number) => flops / (ms * 1e6);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Memoises a peer's measurement, so each is taken once per run (per size or shape). */
function once<K, V>(measure: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const cache = new Map<string, Promise<V>>();
  return (key) => {
    const id = JSON.stringify(key);
    if (!cache.has(id)) cache.set(id, measure(key));
    return cache.get(id)!;
  };
}

class Bench {
  readonly rows: Row[] = [];
  readonly failed: Failure[] = [];
  private readonly cpuFastMatmul = once((n: number) => cpuFastGflops(n, this.quick));
  private readonly cpuFastStep = once(([s, threads]: [StepShape, number | undefined]) =>
    timeLoraFaStep('cpu-fast', s, this.quick, { threads }),
  );

  constructor(
    private readonly quick: boolean,
    private readonly webgpu: WebGpuPeers,
    private readonly log: (line: string) => void,
  ) {}

  private add(row: Omit<Row, 'ratios'>): void {
    const full = withRatios(row);
    this.rows.push(full);
    this.log(formatRow(full));
  }

  /** Runs one measurement; a failure is recorded with the mode, kernel and size, and the run goes on. */
  private async attempt(mode: GpuMode, kernel: Kernel, n: number, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.failed.push({ mode, kernel, n, error: message(error) });
      this.log(`gpu:${mode} ${kernel} n=${n} FAILED: ${message(error)}`);
    }
  }

  async matmul(mode: GpuMode, n: number): Promise<void> {
    await this.attempt(mode, 'matmul', n, () =>
      withBackend(mode, async (backend) => {
        const t = await timeResidentMatmul(backend, n, this.quick);
        const peers: Record<string, Peer> = { cpuFast: await this.cpuFastMatmul(n) };
        if (mode === 'webgpu') {
          for (const [name, status] of Object.entries(this.webgpu.status)) {
            const timer = this.webgpu.timers[name];
            // A peer that fails at this size says so in its place; the row still counts.
            peers[name] = timer ? await timer(n).catch((error: unknown) => `failed: ${message(error)}`) : status;
          }
        }
        const rate = gflops(matmulFlops(n), t.ms);
        this.add({
          mode: backend.mode,
          kernel: 'matmul',
          n,
          gflops: rate,
          resident: true,
          peers,
          ms: t.ms,
          readsPerOp: t.readsPerOp,
        });
      }),
    );
    await this.attempt(mode, 'matmul', n, () =>
      withBackend(mode, async (backend) => {
        const t = await timeTransferMatmul(backend, n, this.quick);
        const rate = gflops(matmulFlops(n), t.ms);
        this.add({
          mode: backend.mode,
          kernel: 'matmul',
          n,
          gflops: rate,
          resident: false,
          peers: {},
          ms: t.ms,
          readsPerOp: t.readsPerOp,
        });
      }),
    );
  }

  async loraFa(mode: GpuMode, n: number): Promise<void> {
    await this.attempt(mode, 'lora-fa fwd+bwd', n, () =>
      withBackend(mode, async (backend) => {
        const shape = loraFaShape(n);
        const { fused, unfused, maxRelativeDifference } = await timeLoraFa(backend, shape, this.quick);
        const flops = loraFaFlops(shape);
        this.add({
          mode: backend.mode,
          kernel: 'lora-fa fwd+bwd',
          n,
          gflops: gflops(flops, fused.ms),
          resident: true,
          peers: { unfused: gflops(flops, unfused.ms) },
          ms: fused.ms,
          readsPerOp: fused.readsPerOp,
          shape: `N ${shape.tokens}, in ${shape.inFeatures}, out ${shape.outFeatures}, r ${shape.rank}; fused kernels vs the same math in plain ops`,
          maxRelativeDifference,
        });
      }),
    );
  }

  async step(mode: GpuMode): Promise<void> {
    const { shape, note } = stepShapeFor(mode, this.quick);
    const tokens = stepTokensCount(shape);
    await this.attempt(mode, 'gpt2 lora-fa step', tokens, () =>
      withBackend(mode, async (backend) => {
        const t = await timeLoraFaStep(backend.name, shape, this.quick, { reads: () => backend.reads });
        const peers: Record<string, Peer> = { cpuFast: (await this.cpuFastStep([shape, undefined])).tokensPerSecond };
        // The target compares with the 2-core development machine's CPU step.
        if (os.cpus().length > 2) peers['cpuFast2Threads'] = (await this.cpuFastStep([shape, 2])).tokensPerSecond;
        this.add({
          mode: backend.mode,
          kernel: 'gpt2 lora-fa step',
          n: tokens,
          gflops: null,
          resident: true,
          peers,
          ms: t.ms,
          readsPerOp: t.readsPerStep,
          tokensPerSecond: t.tokensPerSecond,
          shape: describeShape(shape),
          loss: t.loss,
          ...(note ? { note } : {}),
        });
      }),
    );
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { json, quick, sizes = [...SIZES] } = parseFlags(argv);
  const modes = parseModes(argv);
  // With --json, stdout carries the JSON object alone: every other message goes to stderr.
  if (json) console.log = console.warn = console.info = (...args: unknown[]) => console.error(...args);
  const log = (line: string) => console.log(line);
  const date = new Date().toISOString();
  const { available, unavailable } = await probeModes(modes);
  const webgpu = await webGpuPeers(quick);
  const where = { ...machine(), webgpuAdapter: await adapterDescription() };
  log(`bench:gpu ${date}${quick ? ' (--quick)' : ''}, ${JSON.stringify(where)}`);
  const bench = new Bench(quick, webgpu, log);
  for (const mode of available) {
    for (const n of sizesFor(mode, quick, sizes)) await bench.matmul(mode, n);
    for (const n of sizesFor(mode, quick, sizes)) await bench.loraFa(mode, n);
    await bench.step(mode);
  }
  const ran = [...new Set(bench.rows.map((r) => r.mode))];
  const report: Report = {
    mode: ran[0] ?? null,
    modes: ran,
    machine: where,
    date,
    quick,
    rows: bench.rows,
    unavailable,
    peerStatus: webgpu.status,
    failed: bench.failed,
  };
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else for (const line of formatTrailer(report)) log(line);
}

/** The WebGPU adapter's vendor, architecture and description, or null without one. */
async function adapterDescription(): Promise<string | null> {
  type Adapter = { info?: { vendor?: string; architecture?: string; description?: string } } | null;
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<Adapter> } } }).navigator?.gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return null;
  const { vendor, architecture, description } = adapter.info ?? {};
  return [vendor, architecture, description].filter(Boolean).join(' / ') || 'unnamed adapter';
}

main().catch((error: unknown) => {
  console.error(`bench:gpu failed: ${message(error)}`);
  process.exit(1);
});
