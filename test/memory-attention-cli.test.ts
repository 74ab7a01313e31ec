/**
 * lorafa memory --attention: the whole-step figures of estimateStepMemory, and the paper's
 * Figure 4(a) statement for Llama2-7B (batch 1, r 64, memory-efficient attention).
 */
import { describe, expect, it } from 'vitest';
import { estimateStepMemory, MODEL_PRESETS } from '@lorafa/lorafa';
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
