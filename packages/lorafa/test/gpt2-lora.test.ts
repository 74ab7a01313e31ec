import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { GPT2, serializeSafetensors } from '@lorafa/nn';
import { readSafetensorsFile } from '@lorafa/nn/node';
import type { GPT2Config } from '@lorafa/nn';
import type { LoraMethod } from '@lorafa/lorafa';
import {
  ADAPTER_CONFIG,
  ADAPTER_WEIGHTS,
  estimateMemory,
  gpt2Spec,
  injectLora,
  type LoraLinear,
  savedBytesPerLinear,
} from '@lorafa/lorafa';
import { loadPeftAdapter, savePeftAdapter } from '@lorafa/lorafa/node';

const config: GPT2Config = {
  vocab_size: 33,
  n_positions: 16,
  n_embd: 16,
  n_layer: 2,
  n_head: 2,
  layer_norm_epsilon: 1e-5,
  activation_function: 'gelu_new',
};
const TARGETS = ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'];
const ids = T.tensor(
  [
    [1, 5, 9, 2, 7, 3],
    [4, 4, 8, 0, 1, 2],
  ],
  { dtype: 'int32' },
);

describe('saved activation bytes of a GPT-2 with every targeted linear adapted', () => {
  it.each(['lora', 'lora-fa', 'lora-fb'] as LoraMethod[])(
    '%s: the tape equals the memory model, layer by layer and in total',
    (method) => {
      const model = new GPT2(config, { seed: 1 });
      const adapters = injectLora(model, { targets: TARGETS, method, rank: 4, alpha: 8 });
      expect(adapters).toHaveLength(8);
      const tape = new A.Tape();
      A.withTape(tape, () => model.call(ids));
      const scopes = tape.savedBytes().scopes;
      const tokens = 2 * 6;
      let total = 0;
      for (const adapter of adapters) {
        const layer = model.getModule(adapter.name) as LoraLinear;
        const expected = savedBytesPerLinear(method, { tokens, inFeatures: layer.inFeatures, rank: 4, bytes: 4 });
        expect(scopes[adapter.name]?.live ?? 0).toBe(expected);
        total += expected;
      }
      const model64 = estimateMemory(
        gpt2Spec({ name: 'tiny', nEmbd: 16, nLayer: 2, nHead: 2, vocab: 33, nPositions: 16 }),
        { batch: 2, seq: 6, rank: 4, activationBytes: 4 },
      );
      expect(model64.find((r) => r.method === method)!.activations).toBe(total);
    },
  );
});

describe('PEFT adapter files', () => {
  const folder = () => mkdtempSync(join(tmpdir(), 'lorafa-adapter-'));

  function trainedModel(method: Exclude<LoraMethod, 'full'> = 'lora-fa') {
    const model = new GPT2(config, { seed: 2 });
    const adapters = injectLora(model, { targets: TARGETS, method, rank: 4, alpha: 8, seed: 3 });
    for (const a of adapters) a.B.assign(T.randn(a.B.shape, { rng: new T.Rng(4), std: 0.1 }));
    return { model, adapters };
  }

  it("saves PEFT's key names and config, and loads back to the same outputs", () => {
    const { model, adapters } = trainedModel();
    const dir = folder();
    savePeftAdapter(dir, adapters, { fanInFanOut: true, baseModel: 'gpt2' });
    const { tensors, metadata } = readSafetensorsFile(join(dir, ADAPTER_WEIGHTS));
    expect(Object.keys(tensors)).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    expect(tensors['base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight']!.shape).toEqual([64, 4]);
    expect(tensors['base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight']!.shape).toEqual([4, 64]);
    expect(metadata).toMatchObject({ format: 'pt', lorafa_method: 'lora-fa' });
    const saved = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG), 'utf8'));
    expect(saved).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      fan_in_fan_out: true,
      base_model_name_or_path: 'gpt2',
    });
    expect(saved.target_modules).toHaveLength(8);

    const fresh = new GPT2(config, { seed: 2 });
    const loaded = loadPeftAdapter(dir, fresh);
    expect(loaded.map((a) => a.method)).toEqual(new Array(8).fill('lora-fa'));
    expect(fresh.call(ids).value.dataSync()).toEqual(model.call(ids).value.dataSync());
  });

  it('loads an adapter written by PEFT (plain LoRA keys, string target pattern)', () => {
    const { adapters } = trainedModel('lora');
    const dir = folder();
    const tensors: Record<string, T.Tensor> = {};
    for (const a of adapters) {
      tensors[`base_model.model.${a.name}.lora_A.weight`] = a.A.value;
      tensors[`base_model.model.${a.name}.lora_B.weight`] = a.B.value;
    }
    writeFileSync(join(dir, ADAPTER_WEIGHTS), serializeSafetensors(tensors, { format: 'pt' }));
    writeFileSync(
      join(dir, ADAPTER_CONFIG),
      JSON.stringify({
        peft_type: 'LORA',
        r: 4,
        lora_alpha: 8,
        target_modules: ['c_attn', 'c_proj', 'c_fc'],
        fan_in_fan_out: true,
      }),
    );
    const loaded = loadPeftAdapter(dir, new GPT2(config, { seed: 2 }));
    expect(loaded).toHaveLength(8);
    expect(loaded[0]!.method).toBe('lora');
    expect(loaded[0]!.B.value.dataSync()).toEqual(adapters[0]!.B.value.dataSync());
  });

  it('reports missing, mis-shaped and unexpected tensors together, changing nothing', () => {
    const { adapters } = trainedModel();
    const dir = folder();
    savePeftAdapter(dir, adapters);
    const { tensors } = readSafetensorsFile(join(dir, ADAPTER_WEIGHTS));
    delete tensors['base_model.model.transformer.h.0.attn.c_attn.lora_A.weight'];
    tensors['base_model.model.transformer.h.0.mlp.c_fc.lora_B.weight'] = T.zeros([3, 3]);
    tensors['base_model.model.transformer.h.9.attn.c_attn.lora_A.weight'] = T.zeros([4, 16]);
    writeFileSync(join(dir, ADAPTER_WEIGHTS), serializeSafetensors(tensors));
    expect(() => loadPeftAdapter(dir, new GPT2(config))).toThrow(
      /does not fit the model: missing base_model\.model\.transformer\.h\.0\.attn\.c_attn\.lora_A\.weight; base_model\.model\.transformer\.h\.0\.mlp\.c_fc\.lora_B\.weight: expected \[64, 4\], got \[3, 3\]; unexpected base_model\.model\.transformer\.h\.9\.attn\.c_attn\.lora_A\.weight/,
    );
    expect(() => loadPeftAdapter(folder(), new GPT2(config))).toThrow(/adapter_config\.json: not found/);
    writeFileSync(join(dir, ADAPTER_CONFIG), JSON.stringify({ peft_type: 'IA3', r: 4 }));
    expect(() => loadPeftAdapter(dir, new GPT2(config))).toThrow(/peft_type "IA3" is not LORA/);
    expect(() => savePeftAdapter(folder(), [])).toThrow(/no adapters to save/);
  });
});
