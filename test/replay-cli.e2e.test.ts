/**
 * `lorafa replay` end to end: the shared PyTorch/PEFT fixture, fixtures of other sizes and
 * hyperparameters from an independent reference, tampered fixtures, and bad input.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '@lorafa/nn';
import { runCli } from '../packages/cli/src/main.js';
import type { MlpFixtureConfig } from './support/mlp-fixture.js';
import { makeMlpFixture } from './support/mlp-fixture.js';

const SHARED_MLP = 'test/fixtures/peft/mlp-lorafa.safetensors';

async function replay(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['replay', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lorafa-replay-')), name);
  writeFileSync(path, bytes);
  return path;
}

describe('lorafa replay', () => {
  it('reproduces the PyTorch/PEFT MLP fixture within 1e-4 on every quantity', async () => {
    const { code, out } = await replay(SHARED_MLP, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.kind).toBe('mlp-lorafa');
    expect(report.checks).toHaveLength(1 + 2 * 3 + 4 * (1 + 2 + 2) + 1);
    expect(report.maxRelError).toBeLessThan(1e-4);
    for (const check of report.checks) expect(check.relError).toBeLessThan(1e-4);
    expect(report.checks.map((c: { name: string }) => c.name)).toContain('step4.fc2.lora_B');
  });

  it('reproduces the transformers/PEFT GPT-2 fixture: logits, losses, base and LoRA gradients, every step', async () => {
    const { code, out } = await replay('test/fixtures/peft/gpt2-lorafa.safetensors', '--json');
    const report = JSON.parse(out);
    expect(report.kind).toBe('gpt2-lorafa');
    // base (2) + init (2) + 8 modules x 3 gradients + 3 steps x (1 + 8 x 2) + final (2)
    expect(report.checks).toHaveLength(2 + 2 + 24 + 3 * 17 + 2);
    for (const check of report.checks) expect(check.relError).toBeLessThan(1e-4);
    expect(code).toBe(0);
  });

  it('prints a readable table without --json', async () => {
    const { code, out } = await replay(SHARED_MLP);
    expect(code).toBe(0);
    expect(out).toMatch(/init\.fc1\.base_grad\s+\d\.\d+e-\d+\s+ok/);
    expect(out).toMatch(/28 checks, max relative error .* PASS/);
  });

  const configs: MlpFixtureConfig[] = [
    { seed: 11, d_in: 7, d_h: 9, d_out: 3, batch: 5, r: 3, alpha: 5, lr: 0.02, weight_decay: 0.1, steps: 3 },
    { seed: 12, d_in: 20, d_h: 6, d_out: 11, batch: 2, r: 1, alpha: 16, lr: 0.001, weight_decay: 0, steps: 5 },
  ];
  it.each(configs)(
    'works for other sizes and hyperparameters (d_in $d_in, d_h $d_h, r $r, alpha $alpha, wd $weight_decay)',
    async (config) => {
      const path = writeTemp('other.safetensors', makeMlpFixture(config));
      const { code, out } = await replay(path, '--json');
      const report = JSON.parse(out);
      expect(report.checks).toHaveLength(1 + 2 * 3 + config.steps * 5 + 1);
      expect(report.maxRelError).toBeLessThan(1e-4);
      expect(code).toBe(0);
    },
  );

  it('fails (exit 1) when the fixture disagrees, e.g. a hyperparameter changed in its manifest', async () => {
    const { tensors, metadata } = parseSafetensors(makeMlpFixture(configs[0]!));
    const manifest = JSON.parse(metadata['manifest']!);
    manifest.config.weight_decay = 0.5;
    const path = writeTemp(
      'tampered.safetensors',
      serializeSafetensors(tensors, { manifest: JSON.stringify(manifest) }),
    );
    const { code, out } = await replay(path);
    expect(code).toBe(1);
    expect(out).toMatch(/step1\.fc1\.lora_B\s+\S+\s+FAIL/);
  });

  it('gives one clear line and exit 2 for bad input', async () => {
    expect(await replay('nope.safetensors')).toMatchObject({
      code: 2,
      err: 'lorafa replay: no such file: nope.safetensors',
    });
    const notFixture = writeTemp('plain.safetensors', serializeSafetensors({}));
    expect((await replay(notFixture)).err).toMatch(/has no __metadata__\.manifest/);
    const otherKind = writeTemp(
      'k.safetensors',
      serializeSafetensors({}, { manifest: JSON.stringify({ kind: 'bert-lorafa', config: {} }) }),
    );
    expect(await replay(otherKind)).toMatchObject({ code: 2 });
    expect((await replay(otherKind)).err).toMatch(
      /fixture kind 'bert-lorafa' is not supported \(supported: mlp-lorafa, gpt2-lorafa\)/,
    );
    const gpt2WithoutModel = writeTemp(
      'g.safetensors',
      serializeSafetensors(
        {},
        {
          manifest: JSON.stringify({
            kind: 'gpt2-lorafa',
            config: { steps: 0 },
            modules: ['transformer.h.0.attn.c_attn'],
          }),
        },
      ),
    );
    expect((await replay(gpt2WithoutModel)).err).toMatch(/lacks tensors the gpt2-lorafa format requires: input_ids/);
    const corrupt = writeTemp('c.safetensors', new Uint8Array([1, 2, 3]));
    expect((await replay(corrupt)).err).toMatch(/truncated: 3 bytes/);
    expect((await replay(SHARED_MLP, '--fast')).err).toBe(
      'lorafa replay: unknown option --fast (see lorafa replay --help)',
    );
    expect((await replay()).code).toBe(2);
    const missingKey = writeTemp(
      'm.safetensors',
      serializeSafetensors({}, { manifest: JSON.stringify({ kind: 'mlp-lorafa', config: configs[0] }) }),
    );
    expect((await replay(missingKey)).err).toMatch(
      /lacks tensors the mlp-lorafa format requires: x, y, init\.loss, final\.output, base\.fc1\.weight, base\.fc1\.bias, … \(33 in all\)/,
    );
    expect((await replay('--help')).out).toMatch(/Examples:/);
  });

  it('runs as the lorafa command (bin shim)', () => {
    const result = spawnSync(process.execPath, ['packages/cli/bin/lorafa.mjs', 'replay', SHARED_MLP, '--json'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).maxRelError).toBeLessThan(1e-4);
    const unknown = spawnSync(process.execPath, ['packages/cli/bin/lorafa.mjs', 'frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      "lorafa: unknown command 'frobnicate' (commands: compare, finetune, classify, pretrain, memory, replay)",
    );
  });
});
