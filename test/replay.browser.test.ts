/**
 * The MLP PEFT fixture's LoRA-FA training, replayed in Chromium on the GPU modes: the page
 * fetches the fixture's bytes, parses them with the same safetensors code the CLI uses, and
 * replays PEFT's four LoRA-FA steps (loss, fused corrected B gradient, B) on gpu:webgpu
 * (SwiftShader) and gpu:webgl2, every tensor on the device; all within the fixtures' 1e-4.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { parseSafetensors } from '@lorafa/nn';
import { createGpuBackend } from '@lorafa/gpu';
import { fixtureFromContents, replayMlp, TOLERANCE } from '@lorafa/cli/replay';

const FIXTURE = '/test/fixtures/peft/mlp-lorafa.safetensors';

describe('the MLP PEFT fixture replayed in the browser', () => {
  it.each(['webgpu', 'webgl2'] as const)('on gpu:%s, within 1e-4', async (mode) => {
    const response = await fetch(FIXTURE);
    expect(response.ok).toBe(true);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const backend = await createGpuBackend({ mode });
    T.registerBackend(backend);
    const previous = T.setBackend(backend.name);
    try {
      expect(backend.mode).toBe(mode);
      const fixture = fixtureFromContents(FIXTURE, parseSafetensors(bytes));
      const readsBefore = backend.reads;
      const { checks, maxRelError } = await (await replayMlp(fixture)).settle();
      expect(checks).toHaveLength(28);
      expect(checks.map((c) => c.name)).toContain('step4.fc2.lora_B_grad (corrected)');
      for (const check of checks) expect(check.relError, check.name).toBeLessThan(TOLERANCE);
      expect(maxRelError).toBeLessThan(TOLERANCE);
      expect(backend.reads - readsBefore).toBeGreaterThan(0);
    } finally {
      T.setBackend(previous.name);
      backend.destroy();
    }
  });
});
