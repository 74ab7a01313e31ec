/**
 * The CLI's parts of issue 15: lorafa memory --attention (the whole-step figures of
 * estimateStepMemory, and the paper's Figure 4(a) statement for Llama2-7B), and compare's
 * FLOP and MFU columns.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateStepMemory, gpt2Spec, gpt2StepFlops, MODEL_PRESETS } from '@lorafa/lorafa';
import { runCli } from '../packages/cli/src/main.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const llama = ['memory', '--model', 'llama2-7b', '--batch', '1', '--rank', '64'];

describe('lorafa memory --attention', () => {
  it("prints each method's step total and whether it fits 24 and 40 GiB", async () => {
    const { code, out } = await cli(...llama, '--seq', '2048', '--attention', 'memory-efficient');
    expect(code).toBe(0);
    expect(out).toMatch(/memory-efficient attention, whole step/);
    expect(out).toMatch(/^lora-fa .* yes +yes$/m);
    expect(out).toMatch(/^lora .* no +yes$/m);
  });

  it("--json carries estimateStepMemory's rows and the fits", async () => {
    const { out } = await cli(...llama, '--seq', '4096', '--attention', 'memory-efficient', '--json');
    const report = JSON.parse(out) as {
      attention: string;
      methods: { method: string; stepTotal: number; fits: Record<string, boolean> }[];
    };
    const expected = estimateStepMemory(MODEL_PRESETS['llama2-7b']!, {
      batch: 1,
      seq: 4096,
      rank: 64,
      attention: 'memory-efficient',
      weightBytes: 2,
      activationBytes: 2,
    });
    expect(report.attention).toBe('memory-efficient');
    expect(report.methods.map((m) => m.stepTotal)).toEqual(expected.map((r) => r.stepTotal));
    expect(report.methods.find((m) => m.method === 'lora-fa')!.fits).toEqual({ '24GiB': false, '40GiB': true });
  });

  it('refuses an unknown attention with status 2', async () => {
    const { code, err } = await cli(...llama, '--attention', 'flash');
    expect(code).toBe(2);
    expect(err).toBe("lorafa memory: --attention must be one of standard, memory-efficient, got 'flash'");
  });
});

describe('lorafa compare: model FLOPs, GFLOP/s and MFU', () => {
  it('reports gpt2StepFlops for each method, the rate of its median step, and MFU against the measured peak', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lorafa-mfu-'));
    const args = ['--steps', '2', '--batch', '2', '--seq', '16', '--methods', 'lora,lora-fa', '--out', out, '--json'];
    const result = await cli('compare', ...args);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as {
      methods: { method: string; stepMs: number; stepGflop: number; gflopPerSecond: number; mfu: number }[];
    };
    const c = JSON.parse(readFileSync(join('models', 'brown-base', 'config.json'), 'utf8'));
    const spec = gpt2Spec({
      name: 'b',
      nEmbd: c.n_embd,
      nLayer: c.n_layer,
      nHead: c.n_head,
      vocab: c.vocab_size,
      nPositions: c.n_positions,
    });
    const [lora, fa] = report.methods;
    for (const [row, method] of [
      [lora!, 'lora'],
      [fa!, 'lora-fa'],
    ] as const) {
      expect(row.stepGflop).toBe(gpt2StepFlops(spec, { method, batch: 2, seq: 16, rank: 8 }).total / 1e9);
      expect(row.gflopPerSecond).toBeCloseTo(row.stepGflop / (row.stepMs / 1000), 10);
      expect(row.mfu).toBeGreaterThan(0);
    }
    expect(fa!.stepGflop).toBeLessThan(lora!.stepGflop);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| GFLOP\/step \| GFLOP\/s \| MFU \|/);
  }, 120_000);
});
