import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm run bench:memory -- --quick` as a child: the JSON's shape, every sweep point's saved
 * bytes equal to the memory model's, LoRA-FA's flat and LoRA's growing lines, the budget
 * search consistent with the measured bytes, and both SVGs written. No timing is asserted.
 */
interface Point {
  method: string;
  rank: number;
  adaptedBlocks: number;
  attention: string;
  seq: number;
  measuredBytes: number;
  predictedBytes: number;
  peakRssBytes: number | null;
}
interface Report {
  config: { n_layer: number };
  rankSweep: Point[];
  blockSweep: Point[];
  sequence: {
    budgetBytes: number;
    rows: { method: string; attention: string; longest: number | null; fits: Point | null; double: Point | null }[];
  };
  mismatches: number;
}

describe('bench:memory --quick', () => {
  it('measures both sweeps and the sequence search, the tape equal to the memory model at every point', () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-memory-'));
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', 'benchmarks/src/memory.ts', '--json', '--quick', '--out', out],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as Report;
    expect(report.mismatches).toBe(0);
    const points = [
      ...report.rankSweep,
      ...report.blockSweep,
      ...report.sequence.rows.flatMap((r) => [r.fits, r.double]),
    ].filter((p): p is Point => p !== null);
    for (const p of points) {
      expect(p.measuredBytes).toBe(p.predictedBytes);
      expect(p.measuredBytes).toBeGreaterThanOrEqual(0);
    }
    const methods = ['full', 'lora', 'lora-fa', 'lora-fb'];
    expect([...new Set(report.rankSweep.map((p) => p.method))]).toEqual(methods);
    expect([...new Set(report.rankSweep.map((p) => p.rank))]).toEqual([1, 2, 4]);
    const blocks = report.config.n_layer;
    expect([...new Set(report.blockSweep.map((p) => p.adaptedBlocks))].sort()).toEqual(
      Array.from({ length: blocks + 1 }, (_, k) => k),
    );
    // Rank adds N·r per adapted linear to LoRA-FA: 3 blocks x 4 linears x 32 tokens x 4 bytes per step of r.
    const faByRank = report.rankSweep.filter((p) => p.method === 'lora-fa').map((p) => p.measuredBytes);
    expect(faByRank[1]! - faByRank[0]!).toBe(blocks * 4 * 32 * 4);
    // Past the first adapted block, LoRA-FA adds only H per block; LoRA adds the linears' inputs too.
    const growth = (method: string) => {
      const line = report.blockSweep
        .filter((p) => p.method === method)
        .sort((a, b) => a.adaptedBlocks - b.adaptedBlocks);
      return line[blocks]!.measuredBytes - line[1]!.measuredBytes;
    };
    expect(growth('lora-fa')).toBe((blocks - 1) * 4 * 32 * 4 * 4); // 4 linears x N x r x 4 bytes per block
    expect(growth('lora')).toBeGreaterThan(growth('lora-fa'));
    expect(report.sequence.rows).toHaveLength(8);
    for (const row of report.sequence.rows) {
      if (row.fits) expect(row.fits.measuredBytes).toBeLessThanOrEqual(report.sequence.budgetBytes);
      if (row.double) expect(row.double.measuredBytes).toBeGreaterThan(report.sequence.budgetBytes);
    }
    for (const file of ['memory-sweeps.svg', 'sequence-length.svg'])
      expect(readFileSync(join(out, file), 'utf8')).toMatch(/^<svg/);
  });
});
