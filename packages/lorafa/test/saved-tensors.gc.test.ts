/**
 * The saved-tensor claim as a garbage-collection property: LoRA-FA's layer keeps H = X Aᵀ for
 * backward and nothing that reaches X, so once forward has returned, X's storage is collectable
 * (a WeakRef to it clears after a full GC), while backward still has what it needs. LoRA saves X
 * (dA = s (G B)ᵀ X needs it), so there X stays reachable until backward has run. A closure that
 * kept X inside the op, which the tape's ledger cannot see, fails this test.
 *
 * Runs with --expose-gc (the *.gc.test.ts project); otherwise enables it from inside the test.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import type { GPT2Config } from '@lorafa/nn';
import { GPT2Block } from '@lorafa/nn';
import type { LoraLinear, LoraMethod } from '@lorafa/lorafa';
import { injectLora, loraFaLinear, loraLinear } from '@lorafa/lorafa';
import { seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';
import { f64 } from './support/models.js';

const collectGarbage: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

/** Full collections, yielding to the event loop between them (WeakRefs clear at turn ends). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
  }
}

const alive = (refs: readonly WeakRef<object>[]) => refs.filter((r) => r.deref() !== undefined).length;

const layerArb = fc.record({
  tokens: fc.integer({ min: 1, max: 16 }),
  inFeatures: fc.integer({ min: 4, max: 32 }),
  outFeatures: fc.integer({ min: 1, max: 8 }),
  r: fc.integer({ min: 1, max: 4 }),
  bias: fc.boolean(),
  seed: seedArb,
});

describe('saved tensors, seen by the garbage collector', () => {
  it('loraFaLinear: after forward, X is unreachable while H (and only H) stays saved; backward still gives dB = s Gᵀ H', async () => {
    await fc.assert(
      fc.asyncProperty(layerArb, async ({ tokens, inFeatures, outFeatures, r, bias, seed }) => {
        const rng = new T.Rng(seed);
        const p = A.parameter(T.randn([tokens, inFeatures], f64(rng)));
        const w0 = A.parameter(T.randn([outFeatures, inFeatures], f64(rng)), 'w0', { trainable: false });
        const a = A.parameter(T.randn([r, inFeatures], f64(rng)), 'a', { trainable: false });
        const b = A.parameter(T.randn([outFeatures, r], f64(rng)));
        const b0 = bias ? A.parameter(T.randn([outFeatures], f64(rng))) : null;
        const tape = new A.Tape();
        let x: WeakRef<object>;
        const loss = A.withTape(tape, () => {
          const input = A.mul(p, 2); // a non-leaf X: only the graph could keep it
          x = new WeakRef(input.value.storage);
          return A.sum(loraFaLinear(input, w0, a, b, b0, 0.5));
        });
        await settle();
        expect(x!.deref()).toBeUndefined();
        expect(tape.savedBytes().live).toBe(tokens * r * 8); // H = X Aᵀ, N x r float64
        loss.backward();
        // dL/dY = 1, so dB = s · 1ᵀ H = s · colsum(2 P Aᵀ), computed here without the op.
        const h = T.matmul(T.mul(p.value, 2), a.value.transpose());
        const expected = T.mul(T.matmul(T.ones([outFeatures, tokens], { dtype: 'float64' }), h), 0.5);
        expect(relativeError(b.grad!.dataSync(), expected.dataSync())).toBeLessThan(1e-12);
      }),
      { numRuns: 10 },
    );
  });

  it('loraLinear (LoRA): X stays reachable until backward, and is collectable after it', async () => {
    const rng = new T.Rng(3);
    const p = A.parameter(T.randn([8, 16], f64(rng)));
    const w0 = A.parameter(T.randn([4, 16], f64(rng)), 'w0', { trainable: false });
    const a = A.parameter(T.randn([2, 16], f64(rng)));
    const b = A.parameter(T.randn([4, 2], f64(rng)));
    let x: WeakRef<object>;
    const loss = (() => {
      const input = A.mul(p, 2);
      x = new WeakRef(input.value.storage);
      return A.sum(loraLinear(input, w0, a, b, null, 0.5));
    })();
    await settle();
    expect(x!.deref()).toBeDefined();
    loss.backward();
    await settle();
    expect(x!.deref()).toBeUndefined();
  });

  describe('an adapted GPT-2 block (every linear adapted)', () => {
    const config: GPT2Config = {
      vocab_size: 16,
      n_positions: 8,
      n_embd: 8,
      n_layer: 1,
      n_head: 2,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
    };
    /** Forward through the block, with a WeakRef to the input X of each adapted linear. */
    function forwardRecordingInputs(method: Exclude<LoraMethod, 'full'>) {
      const block = new GPT2Block(config, { rng: new T.Rng(1), dtype: 'float64' });
      const adapters = injectLora(block, {
        targets: ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'],
        method,
        rank: 2,
        alpha: 4,
      });
      const inputs = new Map<string, WeakRef<object>>();
      for (const { name } of adapters) {
        const layer = block.getModule(name) as LoraLinear;
        const forward = layer.forward.bind(layer);
        layer.forward = (x: Variable) => {
          inputs.set(name, new WeakRef(x.value.storage));
          return forward(x);
        };
      }
      const input = A.parameter(T.randn([2, 4, 8], { dtype: 'float64', rng: new T.Rng(2) }));
      const loss = A.sum(block.call(input));
      return { inputs, loss, adapters };
    }

    it('LoRA-FA: no adapted linear keeps its input X after forward; backward still trains every B', async () => {
      const { inputs, loss, adapters } = forwardRecordingInputs('lora-fa');
      expect(inputs.size).toBe(4);
      await settle();
      expect(alive([...inputs.values()])).toBe(0);
      loss.backward();
      for (const ad of adapters) expect(T.sum(T.abs(ad.B.grad!)).item()).toBeGreaterThan(0);
    });

    it('LoRA: every adapted linear keeps its input X until backward', async () => {
      const { inputs, loss } = forwardRecordingInputs('lora');
      await settle();
      expect(alive([...inputs.values()])).toBe(4);
      loss.backward();
      await settle();
      expect(alive([...inputs.values()])).toBe(0);
    });
  });
});
