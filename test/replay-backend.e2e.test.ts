/**
 * `lorafa replay --backend`: the PyTorch/PEFT fixtures replayed on the gpu backend (gpu.js's
 * webasm and cpu modes in Node), within the fixtures' 1e-4; LORAFA_BACKEND as the default;
 * unknown or unavailable backends are bad input (exit 2, one line naming the backend).
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { runCli } from '../packages/cli/src/main.js';

async function replay(args: string[], env?: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await runCli(['replay', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.env = saved;
  }
}

describe('lorafa replay --backend', () => {
  it.each(['gpu:webasm', 'gpu:cpu'])(
    'replays the MLP fixture on %s within 1e-4, the B gradients fused and corrected',
    async (backend) => {
      const { code, out } = await replay(['test/fixtures/peft/mlp-lorafa.safetensors', '--json', '--backend', backend]);
      expect(code).toBe(0);
      const report = JSON.parse(out);
      expect(report.backend).toBe(backend);
      expect(report.maxRelError).toBeLessThan(1e-4);
      const names = report.checks.map((c: { name: string }) => c.name);
      expect(names).toContain('step4.fc1.lora_B_grad (corrected)');
      expect(names).toHaveLength(28);
      expect(T.getBackend().name).toBe('cpu-fast'); // the default is restored after the command
    },
  );

  it('replays the GPT-2 fixture on gpu:webasm within 1e-4', async () => {
    const { code, out } = await replay([
      'test/fixtures/peft/gpt2-lorafa.safetensors',
      '--json',
      '--backend',
      'gpu:webasm',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.checks).toHaveLength(81);
    expect(report.maxRelError).toBeLessThan(1e-4);
  });

  it('takes LORAFA_BACKEND when --backend is absent', async () => {
    const { code, out } = await replay(['test/fixtures/peft/mlp-lorafa.safetensors', '--json'], {
      LORAFA_BACKEND: 'gpu:cpu',
    });
    expect(code).toBe(0);
    expect(JSON.parse(out).backend).toBe('gpu:cpu');
  });

  it('refuses an unknown backend and an unavailable mode with exit 2, naming them', async () => {
    const unknown = await replay(['test/fixtures/peft/mlp-lorafa.safetensors', '--backend', 'tpu']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--backend 'tpu' is not a backend \(expected one of cpu-fast, cpu, gpu:webgpu/);
    const browserOnly = await replay(['test/fixtures/peft/mlp-lorafa.safetensors', '--backend', 'gpu:webgl2']);
    expect(browserOnly.code).toBe(2);
    expect(browserOnly.err).toMatch(/gpu:webgl2: webgl2: /);
    const env = await replay(['test/fixtures/peft/mlp-lorafa.safetensors'], { LORAFA_BACKEND: 'gpu:nope' });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/LORAFA_BACKEND 'gpu:nope' is not a backend/);
  });
});
