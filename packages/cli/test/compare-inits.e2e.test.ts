/**
 * `lorafa compare --methods lora-fa --inits …` (issue 15 §3): every init × seed runs, the report
 * summarises each init over the seeds and states the verdict computed from those numbers. The
 * shape is tested on a tiny budget; no accuracy is asserted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface Stats {
  n: number;
  mean: number;
  sd: number;
}
interface Report {
  options: Record<string, string>;
  methods: { key: string; init: string; seed: number; evalLoss: number; conditionNumber: number }[];
  groups: { init: string; seeds: number[]; evalLoss: Stats; conditionNumber: Stats; correctionCosine: Stats }[];
  verdict: {
    ordering: {
      verdict: string;
      comparisons: { better: string; worse: string; difference: number }[];
      sentence: string;
    };
    pissa: { verdict: string; sentence: string };
  };
}

const INITS = ['gaussian', 'uniform', 'mixed', 'pissa'];
let out: string;
let report: Report;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'lorafa-inits-'));
  const tiny = ['--steps', '2', '--batch', '2', '--seq', '16'];
  const result = await cli(
    'compare',
    '--quick',
    ...tiny,
    '--methods',
    'lora-fa',
    '--inits',
    INITS.join(','),
    '--out',
    out,
    '--json',
  );
  expect(result.code, result.err).toBe(0);
  report = JSON.parse(result.out);
}, 300_000);

describe('lorafa compare --inits', () => {
  it('runs every init with each of the default seeds 0, 1, 2', () => {
    expect(report.options).toMatchObject({ inits: INITS.join(','), seeds: '0,1,2' });
    expect(report.methods.map((r) => `${r.init}/${r.seed}`)).toEqual(
      INITS.flatMap((i) => [0, 1, 2].map((s) => `${i}/${s}`)),
    );
    expect(new Set(report.methods.map((r) => r.key)).size).toBe(12);
    const gaussian = report.methods.filter((r) => r.init === 'gaussian').map((r) => r.evalLoss);
    expect(new Set(gaussian).size).toBe(3); // the seed changes A's draw and the batches
  });

  it("summarises each init's held-out loss, cond(Gram) and cosine over its seeds", () => {
    expect(report.groups.map((g) => g.init)).toEqual(INITS);
    for (const group of report.groups) {
      const losses = report.methods.filter((r) => r.init === group.init).map((r) => r.evalLoss);
      const mean = losses.reduce((s, v) => s + v, 0) / 3;
      expect(group.seeds).toEqual([0, 1, 2]);
      expect(group.evalLoss.n).toBe(3);
      expect(group.evalLoss.mean).toBeCloseTo(mean, 12);
      expect(group.evalLoss.sd).toBeCloseTo(Math.sqrt(losses.reduce((s, v) => s + (v - mean) ** 2, 0) / 2), 12);
      expect(group.conditionNumber.n).toBe(3);
      expect(group.correctionCosine.n).toBe(3);
    }
  });

  it("states the verdict on the paper's ordering and on PiSSA, from the groups' numbers", () => {
    const loss = Object.fromEntries(report.groups.map((g) => [g.init, g.evalLoss.mean]));
    const { ordering, pissa } = report.verdict;
    expect(ordering.comparisons.map((c) => [c.better, c.worse])).toEqual([
      ['gaussian', 'mixed'],
      ['mixed', 'uniform'],
    ]);
    expect(ordering.comparisons[0]!.difference).toBeCloseTo(loss['mixed']! - loss['gaussian']!, 12);
    expect(['holds', 'does not hold', 'same order, within noise', 'not resolved (within noise)']).toContain(
      ordering.verdict,
    );
    expect(pissa.sentence).toMatch(/^PiSSA-style A unsuited to LoRA-FA/);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## Over seeds');
    expect(markdown).toContain(ordering.sentence);
    expect(markdown).toMatch(/\| LoRA-FA \| pissa \| 0,1,2 \| \d\.\d{4} ± \d\.\d{4} \|/);
  });

  it('refuses --init with --inits, an unknown init and a repeated seed', async () => {
    expect((await cli('compare', '--init', 'gaussian', '--inits', 'uniform')).err).toMatch(/give --init or --inits/);
    expect((await cli('compare', '--inits', 'gaussian,normal')).err).toMatch(/unknown init 'normal' \(choose from/);
    expect((await cli('compare', '--inits', 'gaussian', '--seeds', '1,1')).err).toMatch(/must not repeat/);
  });
});
