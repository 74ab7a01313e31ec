import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import {
  causalLmLoss,
  generate,
  GPT2,
  isConv1DWeight,
  LayerNorm,
  serializeSafetensors,
  validateGpt2Config,
} from '@lorafa/nn';
import { loadGpt2, readSafetensorsFile, saveGpt2 } from '@lorafa/nn/node';
import type { GPT2Config } from '@lorafa/nn';
import { randomTensor } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

const FIXTURE_MODEL = 'test/fixtures/peft/gpt2-model';
const tiny: GPT2Config = {
  vocab_size: 17,
  n_positions: 8,
  n_embd: 8,
  n_layer: 2,
  n_head: 2,
  layer_norm_epsilon: 1e-5,
  activation_function: 'gelu_new',
};
const ids = (rows: number[][]) => T.tensor(rows, { dtype: 'int32' });

describe('GPT-2 against transformers', () => {
  it('loads the HF checkpoint and reproduces its logits and loss', () => {
    const model = loadGpt2(FIXTURE_MODEL);
    const { tensors } = readSafetensorsFile('test/fixtures/peft/gpt2-lorafa.safetensors');
    const logits = A.noGrad(() => model.call(tensors['input_ids']!));
    expect(relativeError(logits.value.dataSync(), tensors['base.logits']!.dataSync())).toBeLessThan(1e-5);
    expect(causalLmLoss(logits, tensors['input_ids']!).item()).toBeCloseTo(tensors['base.loss']!.item(), 5);
  });
});

describe('GPT-2 building blocks', () => {
  it('LayerNorm normalises the last axis (biased variance) and passes gradcheck', () => {
    const ln = new LayerNorm(4, 1e-5, { dtype: 'float64' });
    const x = T.tensor([[1, 2, 3, 4]], { dtype: 'float64' });
    const mean = 2.5;
    const variance = 1.25;
    const expected = [1, 2, 3, 4].map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
    expect(relativeError(ln.forward(A.variable(x)).value.dataSync(), expected)).toBeLessThan(1e-14);
    expect(A.gradcheck((v) => ln.forward(v!), [randomTensor([2, 4], 1)])).toBeLessThan(1e-6);
  });

  it('is causal: changing a later token does not change earlier logits', () => {
    const model = new GPT2(tiny, { seed: 3 });
    const a = model.call(ids([[1, 2, 3, 4]])).value.arraySync() as number[][][];
    const b = model.call(ids([[1, 2, 3, 9]])).value.arraySync() as number[][][];
    expect(a[0]!.slice(0, 3)).toEqual(b[0]!.slice(0, 3));
    expect(a[0]![3]).not.toEqual(b[0]![3]);
  });

  it('has gradients that match finite differences through the whole float64 model', () => {
    const model = new GPT2(tiny, { seed: 4, dtype: 'float64' });
    const input = ids([[3, 1, 4, 1, 5]]);
    causalLmLoss(model.call(input), input).backward();
    const lossAt = () => A.noGrad(() => causalLmLoss(model.call(input), input)).item();
    const parameters = new Map(model.namedParameters());
    for (const name of [
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.1.mlp.c_proj.bias',
      'transformer.h.0.ln_1.weight',
    ]) {
      const p = parameters.get(name)!;
      const base = Float64Array.from(p.value.dataSync());
      for (const index of [0, 5, base.length - 1]) {
        const at = (delta: number) => {
          const moved = base.slice();
          moved[index]! += delta;
          p.assign(T.fromFlat(moved, p.shape, { dtype: 'float64' }));
          return lossAt();
        };
        const h = 1e-5;
        const numeric = (at(h) - at(-h)) / (2 * h);
        p.assign(T.fromFlat(base, p.shape, { dtype: 'float64' }));
        expect(Math.abs(p.grad!.dataSync()[index]! - numeric)).toBeLessThan(1e-7 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  it('rejects bad ids and over-long sequences', () => {
    const model = new GPT2(tiny);
    expect(() => model.call(T.tensor([[1, 2]]))).toThrow(
      /GPT2: input ids must be int32 \[batch, seq\], got float32 \[1, 2\]/,
    );
    expect(() => model.call(ids([[0, 1, 2, 3, 4, 5, 6, 7, 8]]))).toThrow(/sequence of 9 tokens exceeds n_positions 8/);
    expect(() => model.call(ids([[99]]))).toThrow(/index 99 is out of range/);
  });
});

describe('checkpoints in Hugging Face layout', () => {
  const folder = () => mkdtempSync(join(tmpdir(), 'lorafa-gpt2-'));

  it('round-trips through save/load, storing Conv1D weights in x out', () => {
    const model = new GPT2(tiny, { seed: 5 });
    const dir = folder();
    saveGpt2(model, dir);
    const { tensors } = readSafetensorsFile(join(dir, 'model.safetensors'));
    expect(tensors['transformer.h.0.mlp.c_fc.weight']!.shape).toEqual([8, 32]);
    expect(isConv1DWeight('transformer.h.0.mlp.c_fc.weight')).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).n_embd).toBe(8);
    const loaded = loadGpt2(dir);
    const input = ids([[1, 2, 3]]);
    expect(loaded.call(input).value.dataSync()).toEqual(model.call(input).value.dataSync());
  });

  it('loads F16 and BF16 weights (widened to float32)', () => {
    const model = new GPT2(tiny, { seed: 6 });
    const dir = folder();
    saveGpt2(model, dir);
    const { tensors } = readSafetensorsFile(join(dir, 'model.safetensors'));
    const half = Object.fromEntries(
      Object.entries(tensors).map(([k, t], i) => [
        k,
        { tensor: t, dtype: i % 2 ? ('F16' as const) : ('BF16' as const) },
      ]),
    );
    writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(half));
    const loaded = loadGpt2(dir);
    expect(loaded.transformer.wte.weight.dtype).toBe('float32');
    const input = ids([[1, 2, 3]]);
    expect(relativeError(loaded.call(input).value.dataSync(), model.call(input).value.dataSync())).toBeLessThan(2e-2);
  });

  it('lists missing, unexpected and mis-shaped keys in one error', () => {
    const dir = folder();
    saveGpt2(new GPT2(tiny), dir);
    const { tensors } = readSafetensorsFile(join(dir, 'model.safetensors'));
    delete tensors['transformer.ln_f.bias'];
    tensors['transformer.h.0.attn.c_attn.weight'] = T.zeros([8, 8]);
    tensors['transformer.h.0.attn.extra'] = T.zeros([1]);
    tensors['transformer.h.0.attn.bias'] = T.zeros([1, 1, 8, 8]); // an old HF buffer: ignored
    writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(tensors));
    expect(() => loadGpt2(dir)).toThrow(
      /does not fit the GPT-2 of .*config\.json: missing keys: transformer\.ln_f\.bias; unexpected keys: transformer\.h\.0\.attn\.extra; wrong shapes: transformer\.h\.0\.attn\.c_attn\.weight \(expected \[8, 24\], got \[8, 8\]\)/,
    );
  });

  it('validates config.json', () => {
    expect(() => validateGpt2Config({ ...tiny, n_head: 3 }, 'c.json')).toThrow(
      /c\.json: n_embd 8 is not divisible by n_head 3/,
    );
    expect(() => validateGpt2Config({ ...tiny, n_layer: 0 }, 'c.json')).toThrow(
      /c\.json: n_layer must be an integer from 1 to 1024, got 0/,
    );
    expect(() => validateGpt2Config({ ...tiny, activation_function: 'swish' }, 'c.json')).toThrow(
      /activation_function 'swish' is not supported/,
    );
    expect(() => loadGpt2(folder())).toThrow(/config\.json: not found/);
  });
});

describe('causal LM loss and generation', () => {
  it('shifts: logits at t predict token t + 1, averaged over batch x (seq − 1)', () => {
    const logits = A.variable(
      T.log(
        T.tensor(
          [
            [
              [0.5, 0.5],
              [0.9, 0.1],
              [0.2, 0.8],
            ],
          ],
          { dtype: 'float64' },
        ),
      ),
    );
    const loss = causalLmLoss(logits, ids([[0, 0, 1]]));
    expect(loss.item()).toBeCloseTo(-(Math.log(0.5) + Math.log(0.1)) / 2, 14);
  });

  it('generates greedily (deterministic) or by seeded top-k sampling', () => {
    const model = new GPT2(tiny, { seed: 7 });
    const logitsOf = (x: T.Tensor) => model.call(x);
    const greedy = generate(logitsOf, [1, 2], { maxNewTokens: 5, contextLength: 8 });
    expect(greedy).toHaveLength(5);
    expect(generate(logitsOf, [1, 2], { maxNewTokens: 5, contextLength: 8 })).toEqual(greedy);
    const sampled = (seed: number) =>
      generate(logitsOf, [1, 2], {
        maxNewTokens: 8,
        temperature: 1.5,
        topK: 3,
        rng: new T.Rng(seed),
        contextLength: 8,
      });
    expect(sampled(1)).toEqual(sampled(1));
    expect(sampled(1).every((t) => t >= 0 && t < 17)).toBe(true);
    // With top-1 sampling is greedy decoding.
    expect(generate(logitsOf, [1, 2], { maxNewTokens: 5, temperature: 2, topK: 1, contextLength: 8 })).toEqual(greedy);
    expect(() => generate(logitsOf, [], { maxNewTokens: 1 })).toThrow(/the prompt needs at least one token/);
  });
});
