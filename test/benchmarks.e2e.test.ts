import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Smoke runs of the benchmarks (`--quick`: tiny sizes, two timed runs): they must run and
 * report well-formed numbers. Nothing here asserts a speed — the benchmarks measure that, side
 * by side; tests never do. What is asserted is exact: the JSON's shape, that every library
 * produced a positive rate, and that a GPT-2 training step on lorafa-ts takes part of its
 * storage back from released buffers.
 */
function runBenchmark(script: string, args: string[]): unknown {
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', `benchmarks/src/${script}`, '--json', '--quick', ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 240_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('benchmarks (smoke runs)', () => {
  it('bench:matmul reports GFLOP/s for every library at every size', () => {
    const report = runBenchmark('matmul.ts', ['--sizes', '32,48']) as {
      sizes: { n: number; gflops: Record<string, number> }[];
      lorafaThreads: number;
    };
    expect(report.sizes.map((s) => s.n)).toEqual([32, 48]);
    for (const { gflops } of report.sizes) {
      expect(Object.keys(gflops).sort()).toEqual([
        'jaxWasm',
        'lorafa',
        'lorafaOneThread',
        'lorafaSpec',
        'tfjsCpu',
        'tfjsWasm',
      ]);
      for (const rate of Object.values(gflops)) expect(rate).toBeGreaterThan(0);
    }
    expect(report.lorafaThreads).toBeGreaterThanOrEqual(1);
  });

  it('bench:step reports tokens/s, losses and storage per step for each method', () => {
    const report = runBenchmark('step.ts', ['--rounds', '2']) as {
      rounds: number;
      loraFaOverLoraPerRound: number[];
      peers: {
        jaxWasm: Record<string, { tokensPerSecond: number; loss: number; ratioPerRound: number[]; ratio: number }>;
      };
      jaxWasmHeapBytes: number[];
      methods: {
        method: string;
        tokensPerSecond: Record<string, number>;
        loss: Record<string, number>;
        lorafaAllocatedBytesPerStep: number;
        lorafaReusedBytesPerStep: number;
      }[];
    };
    expect(report.rounds).toBe(2);
    expect(report.loraFaOverLoraPerRound).toHaveLength(2);
    expect(report.methods.map((m) => m.method)).toEqual(['full', 'lora', 'lora-fa']);
    for (const m of report.methods) {
      for (const implementation of ['lorafa', 'tfjsCpu', 'tfjsWasm']) {
        expect(m.tokensPerSecond[implementation]).toBeGreaterThan(0);
        // A byte-level model near initialisation: the loss is near ln 257 ≈ 5.55.
        expect(Math.abs(m.loss[implementation]! - Math.log(257))).toBeLessThan(1);
      }
      expect(m.lorafaAllocatedBytesPerStep).toBeGreaterThan(0);
      expect(m.lorafaReusedBytesPerStep).toBeGreaterThan(0);
      const jax = report.peers.jaxWasm[m.method]!;
      expect(jax.tokensPerSecond).toBeGreaterThan(0);
      expect(Math.abs(jax.loss - Math.log(257))).toBeLessThan(1);
      expect(jax.ratioPerRound).toHaveLength(2);
      expect(jax.ratio).toBeGreaterThan(0);
    }
    expect(report.jaxWasmHeapBytes).toHaveLength(3); // after the warm-up and after each round
  });

  it('bench:step --profile splits each method step into kernels that add up to at most the step', () => {
    const report = runBenchmark('step.ts', ['--profile', '--steps', '1']) as {
      profiles: {
        method: string;
        stepMs: number;
        kernelMs: number;
        touchedBytes: number;
        kernels: { key: string; category: string; calls: number; ms: number }[];
      }[];
    };
    expect(report.profiles.map((p) => p.method)).toEqual(['full', 'lora', 'lora-fa']);
    for (const p of report.profiles) {
      expect(p.kernels.map((k) => k.key)).toContain('matmul');
      const sum = p.kernels.reduce((total, k) => total + k.ms, 0);
      expect(sum).toBeCloseTo(p.kernelMs, 6);
      expect(p.kernelMs).toBeLessThanOrEqual(p.stepMs);
      expect(p.touchedBytes).toBeGreaterThan(0);
    }
    const full = report.profiles.find((p) => p.method === 'full')!;
    expect(full.kernels.find((k) => k.key === 'adamW')?.category).toBe('optimizer'); // one kernel per parameter
  });

  it('bench:step --profile --by-shape keys each matmul by its operands', () => {
    const report = runBenchmark('step.ts', ['--quick', '--profile', '--steps', '1', '--by-shape']) as {
      profiles: { kernels: { key: string; category: string }[] }[];
    };
    const keys = report.profiles.flatMap((p) => p.kernels.filter((k) => k.category === 'matmul').map((k) => k.key));
    expect(keys.length).toBeGreaterThan(1);
    // "matmul [4,32,64]/[2048,64,1] x [4,64,192]/[0,1,64]": the shapes and strides of both operands
    for (const key of keys) expect(key).toMatch(/^matmul(Add)? \[[\d,]+\]\/\[[\d,]+\] x \[[\d,]+\]\/\[[\d,]+\]/);
  });
});
