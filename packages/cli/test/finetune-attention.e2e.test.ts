/**
 * `lorafa finetune --attention`: on a tiny run the saved bytes the trainer reports equal the
 * memory model (gpt2SavedActivations) for the chosen attention, byte for byte; the attention is
 * part of the run's fingerprint; a checkpoint written before it was recorded resumes as standard.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpt2SavedActivations, gpt2Spec, gpt2StepFlops } from '@lorafa/lorafa';
import type { AttentionKind } from '@lorafa/lorafa';
import { runCli } from '../src/main.js';
import { requireSameRun } from '../src/training/fingerprint.js';

const MODEL = join('models', 'brown-base');
const TINY = ['--model', MODEL, '--steps', '1', '--batch', '2', '--seq', '16', '--rank', '4', '--eval-batches', '1'];

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function brownBaseSpec() {
  const c = JSON.parse(readFileSync(join(MODEL, 'config.json'), 'utf8'));
  return gpt2Spec({
    name: 'brown-base',
    nEmbd: c.n_embd,
    nLayer: c.n_layer,
    nHead: c.n_head,
    vocab: c.vocab_size,
    nPositions: c.n_positions,
  });
}

describe('lorafa finetune --attention', () => {
  it.each([
    ['standard', 'lora'],
    ['memory-efficient', 'lora'],
    ['memory-efficient', 'lora-fa'],
  ] as [AttentionKind, 'lora' | 'lora-fa'][])(
    '%s attention, %s: the saved bytes equal the memory model for that attention',
    async (attention, method) => {
      const out = mkdtempSync(join(tmpdir(), 'lorafa-attention-'));
      const result = await cli(
        'finetune',
        ...TINY,
        '--method',
        method,
        '--attention',
        attention,
        '--out',
        out,
        '--json',
      );
      expect(result.code).toBe(0);
      const saved = JSON.parse(result.out).savedActivationBytes;
      const model = gpt2SavedActivations(brownBaseSpec(), { method, batch: 2, seq: 16, rank: 4, attention });
      expect(saved).toBe(model.total);
      const other = attention === 'standard' ? 'memory-efficient' : 'standard';
      expect(saved).not.toBe(
        gpt2SavedActivations(brownBaseSpec(), { method, batch: 2, seq: 16, rank: 4, attention: other }).total,
      );
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      expect(metrics.options.attention).toBe(attention);
    },
    60_000,
  );

  it('is part of the run: a resume with another attention is refused naming it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lorafa-attention-resume-'));
    expect((await cli('finetune', ...TINY, '--out', out)).code).toBe(0);
    const resumed = await cli(
      'finetune',
      ...TINY,
      '--steps',
      '2',
      '--attention',
      'memory-efficient',
      '--out',
      out,
      '--resume',
    );
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(
      /belongs to a different run: attention \(--attention\) was standard, now memory-efficient/,
    );
  }, 60_000);

  it('refuses an unknown attention naming the choices', async () => {
    const result = await cli('finetune', ...TINY, '--attention', 'flash');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--attention must be one of standard, memory-efficient, got 'flash'/);
  });
});

describe('lorafa compare --attention', () => {
  it('passes it to each run: saved bytes and GFLOP/step follow the chosen attention', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lorafa-compare-attention-'));
    const shape = ['--steps', '1', '--batch', '2', '--seq', '16', '--rank', '4'];
    const result = await cli(
      'compare',
      ...shape,
      '--methods',
      'lora-fa',
      '--attention',
      'memory-efficient',
      '--out',
      out,
      '--json',
    );
    expect(result.code).toBe(0);
    const [row] = JSON.parse(result.out).methods as { savedActivationBytes: number; stepGflop: number }[];
    const options = { method: 'lora-fa', batch: 2, seq: 16, rank: 4, attention: 'memory-efficient' } as const;
    expect(row!.savedActivationBytes).toBe(gpt2SavedActivations(brownBaseSpec(), options).total);
    expect(row!.stepGflop).toBe(gpt2StepFlops(brownBaseSpec(), options).total / 1e9);
  }, 120_000);
});

describe('the fingerprint of a checkpoint written before attention was recorded', () => {
  it('counts as standard attention', () => {
    expect(() => requireSameRun({ seed: 0 }, { seed: 0, attention: 'standard' }, 'ckpt')).not.toThrow();
    expect(() => requireSameRun({ seed: 0 }, { seed: 0, attention: 'memory-efficient' }, 'ckpt')).toThrow(
      /attention \(--attention\) was standard, now memory-efficient/,
    );
  });
});
