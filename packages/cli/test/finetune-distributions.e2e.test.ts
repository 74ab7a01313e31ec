/**
 * `lorafa finetune` records, per module kind, the distribution of A's and B's entries at the
 * start and the end of the run (issue 15 §4) in metrics.json and its --json summary.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import type { AdapterDistributions } from '../src/training/distributions.js';
import { moduleKind } from '../src/training/distributions.js';

const TINY = [
  '--model',
  join('models', 'brown-base'),
  '--steps',
  '3',
  '--batch',
  '2',
  '--seq',
  '16',
  '--eval-batches',
  '1',
];
const KINDS = ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'];

async function finetune(...args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'lorafa-distributions-'));
  const lines: string[] = [];
  const code = await runCli(['finetune', ...TINY, ...args, '--out', out, '--json'], {
    out: (l) => lines.push(l),
    err: () => {},
  });
  expect(code).toBe(0);
  const summary = JSON.parse(lines.join('\n'));
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  expect(metrics.distributions).toEqual(summary.distributions);
  return summary.distributions as { start: AdapterDistributions; end: AdapterDistributions } | null;
}

describe('finetune records the distributions of A and B', () => {
  it('per module kind, with B starting at zero (no kurtosis, no KS) and trained by the end', async () => {
    const d = (await finetune('--method', 'lora'))!;
    expect(Object.keys(d.start)).toEqual(KINDS);
    for (const kind of KINDS) {
      const { A, B } = d.start[kind]!;
      expect(A.n).toBe(B.n * (kind === 'c_attn' ? 1 / 3 : kind === 'c_fc' ? 1 / 4 : kind === 'mlp.c_proj' ? 4 : 1));
      expect(A.histogram.counts.reduce((s, c) => s + c, 0)).toBe(A.n);
      expect([B.sd, B.excessKurtosis, B.ksGaussian]).toEqual([0, null, null]);
      expect(d.end[kind]!.B.sd).toBeGreaterThan(0);
      expect(d.end[kind]!.A.mean).not.toBe(A.mean); // LoRA trains A
    }
  }, 60_000);

  it("mixed init: A's entries are Gaussian-like on mlp.c_proj and uniform elsewhere (excess kurtosis 0 vs −1.2)", async () => {
    const d = (await finetune('--method', 'lora-fa', '--init', 'mixed'))!;
    expect(Math.abs(d.start['mlp.c_proj']!.A.excessKurtosis!)).toBeLessThan(0.4);
    for (const kind of ['c_attn', 'attn.c_proj', 'c_fc']) {
      expect(d.start[kind]!.A.excessKurtosis).toBeGreaterThan(-1.35);
      expect(d.start[kind]!.A.excessKurtosis).toBeLessThan(-1.05);
      expect(d.start[kind]!.A.ksGaussian).toBeGreaterThan(d.start['mlp.c_proj']!.A.ksGaussian!);
    }
    for (const kind of KINDS) expect(d.end[kind]!.A).toEqual(d.start[kind]!.A); // LoRA-FA freezes A
  }, 60_000);

  it('is null for Full-FT (no adapters)', async () => {
    expect(await finetune('--method', 'full')).toBeNull();
  }, 60_000);
});

describe('lorafa compare plots them and states the drift for LoRA and LoRA-FA', () => {
  it('writes distributions.svg, and per run and factor a drift outcome in report.json and report.md', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lorafa-drift-'));
    const shape = ['--steps', '2', '--batch', '2', '--seq', '16', '--init', 'uniform'];
    const code = await runCli(['compare', ...shape, '--methods', 'full,lora,lora-fa', '--out', out, '--json'], {
      out: () => {},
      err: () => {},
    });
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const outcomes = report.drift.map((d: { run: string; factors: { factor: string; outcome: string }[] }) => [
      d.run,
      d.factors.map((f) => `${f.factor} ${f.outcome}`),
    ]);
    expect(outcomes[0][0]).toBe('LoRA');
    expect(outcomes[0][1][0]).toMatch(/^A (toward Gaussian|partly toward Gaussian|away from Gaussian)$/);
    expect(outcomes[0][1][1]).toBe('B starts at 0');
    expect(outcomes[1]).toEqual(['LoRA-FA', ['A frozen', 'B starts at 0']]);
    expect(readFileSync(join(out, 'distributions.svg'), 'utf8')).toMatch(/^<svg/);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## Where A and B end up');
    expect(markdown).toContain('- LoRA-FA: A is frozen');
  }, 120_000);
});

describe('moduleKind', () => {
  it("names GPT-2's four linears by their paths", () => {
    expect(
      ['transformer.h.0.attn.c_attn', 'h.1.attn.c_proj', 'h.0.mlp.c_fc', 'h.11.mlp.c_proj', 'fc1'].map(moduleKind),
    ).toEqual(['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj', null]);
  });
});
