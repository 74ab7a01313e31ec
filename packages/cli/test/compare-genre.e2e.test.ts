/**
 * `lorafa compare --task genre` end to end on a tiny budget: the shape of its JSON and report
 * files, the trainable-parameter counts, and the task dispatch. Scores are not judged here.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface Row {
  key: string;
  method: string;
  trainableParams: number;
  accuracy: number;
  macroF1: number;
  f1: number[];
  heldOutLoss: number;
  savedActivationBytes: number;
  stepMs: number;
  peakRssBytes: number;
}

describe('lorafa compare --task genre --quick', () => {
  it('runs each method in its own process and reports scores, parameters, saved bytes and step time', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lorafa-genre-'));
    const args = ['--task', 'genre', '--quick', '--steps', '2', '--batch', '2', '--held-out-per-genre', '2'];
    const result = await cli('compare', ...args, '--methods', 'lora,lora-fa', '--out', out, '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as {
      task: string;
      quick: boolean;
      data: { train: number; heldOut: number };
      methods: Row[];
    };
    expect(report.task).toBe('genre');
    expect(report.quick).toBe(true);
    expect(report.data).toEqual({ train: 15 * 32, heldOut: 15 * 2 });
    expect(report.methods.map((r) => [r.key, r.method])).toEqual([
      ['lora', 'LoRA'],
      ['lora-fa', 'LoRA-FA'],
    ]);
    // brown-base: n_embd e = 64, 2 blocks, r = 8. Per block LoRA trains A and B of c_attn (e→3e),
    // attn.c_proj (e→e), c_fc (e→4e), mlp.c_proj (4e→e): r·16e; LoRA-FA trains B only: r·9e.
    // The head adds e·15 + 15.
    const head = 64 * 15 + 15;
    expect(report.methods[0]!.trainableParams).toBe(2 * 8 * 16 * 64 + head);
    expect(report.methods[1]!.trainableParams).toBe(2 * 8 * 9 * 64 + head);
    for (const row of report.methods) {
      expect(row.accuracy).toBeGreaterThanOrEqual(0);
      expect(row.accuracy).toBeLessThanOrEqual(1);
      expect(row.macroF1).toBeGreaterThanOrEqual(0);
      expect(row.macroF1).toBeLessThanOrEqual(1);
      expect(row.f1).toHaveLength(15);
      expect(Number.isFinite(row.heldOutLoss)).toBe(true);
      expect(row.stepMs).toBeGreaterThan(0);
      expect(row.peakRssBytes).toBeGreaterThan(0);
      expect(row).not.toHaveProperty('losses'); // kept for report.json
    }
    // LoRA-FA's layer never saves the adapted linears' inputs X; LoRA's does
    expect(report.methods[1]!.savedActivationBytes).toBeLessThan(report.methods[0]!.savedActivationBytes);

    const saved = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { methods: { losses: unknown[] }[] };
    expect(saved.methods.map((m) => m.losses.length)).toEqual([2, 2]);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| LoRA-FA \| 10,191 \| .* %/);
    expect(readFileSync(join(out, 'scores.svg'), 'utf8')).toMatch(/^<svg/);
    expect(existsSync(join(out, 'lora-fa', 'metrics.json'))).toBe(true);
  }, 180_000);

  it('refuses an unknown task, and shows the genre options with --help', async () => {
    const bad = await cli('compare', '--task', 'glue');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("lorafa compare: --task must be one of lm, genre, got 'glue'");
    const help = await cli('compare', '--task=genre', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--held-out-per-genre/);
    expect((await cli('compare', '--help')).out).toMatch(/--task genre/);
  });

  it('lorafa classify refuses a run without --model', async () => {
    const result = await cli('classify', '--method', 'lora');
    expect(result.code).toBe(2);
    expect(result.err).toBe('lorafa classify: --model is required (see lorafa classify --help)');
  });
});
