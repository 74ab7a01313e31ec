import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * A smoke run of bench:gpu (`--quick --json`, as a child process): the report is well formed,
 * every row names a mode that ran, every rate is positive, and the facts that are exact are
 * exact — a resident matmul reads nothing back, a step reads its loss alone, the fused LoRA-FA
 * kernels compute what the unfused ops compute. No speed is asserted (see test/benchmarks.e2e).
 * In Node, webasm and cpu always run; webgl2 is browser-only; webgpu runs only where Dawn finds a
 * GPU, and is otherwise listed as unavailable with its reason.
 */
interface Row {
  mode: string;
  kernel: string;
  n: number;
  gflops: number | null;
  resident: boolean;
  peers: Record<string, number | string>;
  ratios: Record<string, number>;
  ms: number;
  readsPerOp: number;
  tokensPerSecond?: number;
  loss?: number;
  maxRelativeDifference?: number;
}

interface Report {
  mode: string;
  modes: string[];
  machine: { cores: number; node: string };
  date: string;
  quick: boolean;
  rows: Row[];
  unavailable: { mode: string; reason: string }[];
  peerStatus: Record<string, string>;
  failed: unknown[];
}

function runBenchGpu(): Report {
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'benchmarks/src/gpu.ts', '--quick', '--json'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Report;
}

describe('bench:gpu (smoke run)', () => {
  it('reports every mode that ran, or why it could not, with positive rates and exact read counts', () => {
    const report = runBenchGpu();
    expect(report.quick).toBe(true);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    expect(report.failed).toEqual([]);
    expect(report.modes).toEqual(expect.arrayContaining(['webasm', 'cpu']));
    expect(report.mode).toBe(report.modes[0]);

    // Each of the four modes either ran or is listed as unavailable with a reason; never both.
    const unavailable = report.unavailable.map((u) => u.mode);
    for (const mode of ['webgpu', 'webgl2', 'webasm', 'cpu']) {
      expect(report.modes.includes(mode) !== unavailable.includes(mode), mode).toBe(true);
    }
    expect(unavailable).toContain('webgl2'); // gpu.js's WebGL2 needs a browser
    for (const u of report.unavailable) expect(u.reason.length).toBeGreaterThan(10);
    expect(Object.keys(report.peerStatus).sort()).toEqual(['jaxWebgpu', 'tfjsWebgpu']);

    for (const mode of report.modes) {
      const rows = report.rows.filter((r) => r.mode === mode);
      const kinds = rows.map(
        (r) => `${r.kernel}${r.kernel === 'matmul' ? (r.resident ? ' resident' : ' upload+read') : ''}`,
      );
      expect(new Set(kinds), mode).toEqual(
        new Set(['matmul resident', 'matmul upload+read', 'lora-fa fwd+bwd', 'gpt2 lora-fa step']),
      );
    }
    for (const row of report.rows) {
      const what = `gpu:${row.mode} ${row.kernel} n=${row.n}`;
      expect(report.modes, what).toContain(row.mode);
      expect(row.ms, what).toBeGreaterThan(0);
      for (const peer of Object.values(row.peers)) if (typeof peer === 'number') expect(peer, what).toBeGreaterThan(0);
      for (const ratio of Object.values(row.ratios)) expect(ratio, what).toBeGreaterThan(0);
      if (row.kernel === 'gpt2 lora-fa step') {
        expect(row.gflops, what).toBeNull();
        expect(row.tokensPerSecond, what).toBeGreaterThan(0);
        expect(row.readsPerOp, what).toBe(1); // the loss, and nothing else
        expect(typeof row.peers['cpuFast'], what).toBe('number');
        // A byte-level model near initialisation: the loss is near ln 257 ≈ 5.55.
        expect(Math.abs(row.loss! - Math.log(257)), what).toBeLessThan(1);
      } else {
        expect(row.gflops, what).toBeGreaterThan(0);
        expect(row.readsPerOp, what).toBe(row.resident ? 0 : 1);
      }
      if (row.kernel === 'lora-fa fwd+bwd') {
        expect(typeof row.peers['unfused'], what).toBe('number');
        // float32 products of length ≤ 256, normwise: well inside 1e-4 of the largest output
        expect(row.maxRelativeDifference, what).toBeLessThan(1e-4);
      }
      if (row.kernel === 'matmul' && row.resident) expect(typeof row.peers['cpuFast'], what).toBe('number');
    }
  }, 120_000);
});
