/**
 * `lorafa finetune --backend`: the embedded Brown base model fine-tuned under LoRA-FA on the gpu
 * backend (gpu.js's webasm mode in Node). The run trains (held-out loss drops), writes a PEFT
 * adapter and a checkpoint from device tensors, resumes, and agrees with the same run on the
 * cpu specification to float32 rounding.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '@lorafa/nn/node';
import { runCli } from '../packages/cli/src/main.js';

const work = mkdtempSync(join(tmpdir(), 'lorafa-finetune-backend-'));
const text = join(work, 'fiction.txt');
writeFileSync(
  text,
  'She walked to the window and looked out at the rain. He said nothing, and the clock ticked on. '.repeat(30),
);

async function finetune(backend: string, out: string, extra: string[] = []) {
  const lines: string[] = [];
  const err: string[] = [];
  const args = ['finetune', '--model', 'models/brown-base', '--data', text, '--method', 'lora-fa', '--steps', '4'];
  const rest = ['--batch', '2', '--seq', '32', '--eval-batches', '1', '--rank', '4', '--lr', '1e-2', '--json'];
  const code = await runCli([...args, ...rest, '--backend', backend, '--out', out, ...extra], {
    out: (l) => lines.push(l),
    err: (l) => err.push(l),
  });
  return { code, summary: code === 0 ? JSON.parse(lines.at(-1)!) : null, err: err.join('\n') };
}

describe('lorafa finetune --backend gpu:webasm', () => {
  it('trains LoRA-FA on the device, saves the adapter and a checkpoint, and matches the cpu run', async () => {
    const device = await finetune('gpu:webasm', join(work, 'gpu'));
    expect(device.err).toBe('');
    expect(device.code).toBe(0);
    const host = await finetune('cpu', join(work, 'cpu'));
    expect(host.code).toBe(0);
    const losses = (r: typeof device) => r.summary.history.losses.map((l: { loss: number }) => l.loss);
    losses(device).forEach((loss: number, i: number) =>
      expect(Math.abs(loss - losses(host)[i]!)).toBeLessThan(1e-4 * losses(host)[i]!),
    );
    expect(losses(device).at(-1)).toBeLessThan(losses(device)[0]);
    expect(Math.abs(device.summary.evalLoss - host.summary.evalLoss)).toBeLessThan(1e-4 * host.summary.evalLoss);
    expect(device.summary.conditionNumber).toBeNull(); // diagnostics are host-only
    const adapter = readSafetensorsFile(join(work, 'gpu', 'adapter', 'adapter_model.safetensors'));
    const key = Object.keys(adapter.tensors).find((k) => k.endsWith('lora_B.weight'))!;
    expect([...adapter.tensors[key]!.dataSync()].every(Number.isFinite)).toBe(true);
    expect(JSON.parse(readFileSync(join(work, 'gpu', 'metrics.json'), 'utf8')).options.method).toBe('lora-fa');
  });

  it('resumes a device run from its checkpoint to the same losses', async () => {
    const straight = await finetune('gpu:webasm', join(work, 'straight'), ['--checkpoint-every', '2']);
    const out = join(work, 'interrupted');
    expect((await finetune('gpu:webasm', out, ['--checkpoint-every', '2', '--steps', '2'])).code).toBe(0);
    const resumed = await finetune('gpu:webasm', out, ['--checkpoint-every', '2', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.summary.history.losses).toEqual(straight.summary.history.losses);
  });

  it('compare passes --backend to each method it runs', async () => {
    const lines: string[] = [];
    const code = await runCli(
      [
        'compare',
        '--methods',
        'lora-fa',
        '--steps',
        '2',
        '--batch',
        '2',
        '--seq',
        '16',
        '--data',
        text,
        '--json',
      ].concat(['--backend', 'gpu:webasm', '--out', join(work, 'compare')]),
      { out: (l) => lines.push(l), err: () => {} },
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(work, 'compare', 'report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('LoRA-FA');
    const run = JSON.parse(readFileSync(join(work, 'compare', 'lora-fa', 'metrics.json'), 'utf8'));
    expect(run.conditionNumber).toBeNull(); // measured on host backends only: the run was on the device
  });
});
