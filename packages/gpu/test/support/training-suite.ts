import { describe, expect, it } from 'vitest';
import type { GpuBackend } from '@lorafa/gpu';
import { trainAdaptedMlp } from './training.js';
import { trainAdaptedGpt2 } from './gpt2-training.js';

/**
 * A training run on the gpu backend: every tensor on the device, the loss the only value read
 * back per step, and the same losses as the same run on the cpu specification (to float32
 * tolerance: the two differ in rounding only). LoRA-FA runs with the correction fused into the
 * layer's backward; LoRA-FB's correction runs as a device matmul; LoRA is plain AdamW.
 */
export function trainingSuite(backend: () => GpuBackend): void {
  describe(`training on ${'the gpu backend'}`, () => {
    it.each(['lora-fa', 'lora-fb', 'lora'] as const)(
      '%s: 4 AdamW steps read back only the loss, as on the cpu',
      async (method) => {
        const device = await trainAdaptedMlp(backend().name, { method, steps: 4, reads: () => backend().reads });
        const host = await trainAdaptedMlp('cpu', { method, steps: 4 });
        expect(device.readsPerStep).toEqual([1, 1, 1, 1]);
        device.losses.forEach((loss, i) =>
          expect(Math.abs(loss - host.losses[i]!)).toBeLessThan(1e-5 * Math.abs(host.losses[i]!)),
        );
        expect(device.losses[3]!).toBeLessThan(device.losses[0]!);
      },
    );

    it('a GPT-2 under LoRA-FA: 3 steps on the device (cross-entropy included), one read each, as on the cpu', async () => {
      const device = await trainAdaptedGpt2(backend().name, {
        method: 'lora-fa',
        steps: 3,
        reads: () => backend().reads,
      });
      const host = await trainAdaptedGpt2('cpu', { method: 'lora-fa', steps: 3 });
      expect(device.readsPerStep).toEqual([1, 1, 1]);
      device.losses.forEach((loss, i) =>
        expect(Math.abs(loss - host.losses[i]!)).toBeLessThan(1e-5 * Math.abs(host.losses[i]!)),
      );
      expect(device.losses[2]!).toBeLessThan(device.losses[0]!);
    });

    it('a corrected step on the device without prepare() names the remedy', async () => {
      await expect(trainAdaptedMlp(backend().name, { method: 'lora-fb', steps: 1, prepare: false })).rejects.toThrow(
        /lives on backend 'gpu:[a-z0-9]+'.*await optimizer\.prepare\(\)/,
      );
    });
  });
}
