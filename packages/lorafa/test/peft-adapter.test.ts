/**
 * PEFT's adapter format in memory (browser-safe half): the config written, the config accepted,
 * and how tensors are matched to the model — each field and each refusal, named.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import type { LoraAdapter } from '@lorafa/lorafa';
import {
  ADAPTER_CONFIG,
  ADAPTER_WEIGHTS,
  applyPeftAdapter,
  injectLora,
  parsePeftConfig,
  peftAdapterContents,
  peftKey,
} from '@lorafa/lorafa';
import { loadPeftAdapter } from '@lorafa/lorafa/node';
import { Mlp } from './support/models.js';

const adapted = (method: LoraAdapter['method'], rank = 2, alpha = 4, rsLora = false) => {
  const model = new Mlp([5, 7, 3], 1);
  return { model, adapters: injectLora(model, { targets: ['fc1', 'fc2'], method, rank, alpha, rsLora }) };
};

describe('peftAdapterContents', () => {
  it("writes PEFT's LoraConfig, the factors under PEFT's keys, and the method in the metadata", () => {
    const { adapters } = adapted('lora-fa');
    const { config, tensors, metadata } = peftAdapterContents(adapters);
    expect(config).toEqual({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: null,
      r: 2,
      lora_alpha: 4,
      lora_dropout: 0,
      target_modules: ['fc1', 'fc2'],
      fan_in_fan_out: false,
      bias: 'none',
      use_rslora: false,
      init_lora_weights: true,
      modules_to_save: null,
      inference_mode: true,
      use_dora: false,
    });
    expect(Object.keys(tensors)).toEqual([
      'base_model.model.fc1.lora_A.weight',
      'base_model.model.fc1.lora_B.weight',
      'base_model.model.fc2.lora_A.weight',
      'base_model.model.fc2.lora_B.weight',
    ]);
    expect(tensors[peftKey('fc2', 'B')]).toBe(adapters[1]!.B.value);
    expect(metadata).toEqual({ format: 'pt', lorafa_method: 'lora-fa' });
    const options = { taskType: 'SEQ_CLS', baseModel: 'gpt2', fanInFanOut: true, init: 'gaussian' as const };
    expect(peftAdapterContents(adapters, options).config).toMatchObject({
      task_type: 'SEQ_CLS',
      base_model_name_or_path: 'gpt2',
      fan_in_fan_out: true,
      init_lora_weights: 'gaussian',
    });
  });

  it('writes rsLoRA as the equivalent α/r, and refuses adapters PEFT could not describe with one config', () => {
    expect(peftAdapterContents(adapted('lora', 4, 8, true).adapters).config).toMatchObject({ r: 4, lora_alpha: 16 });
    expect(() => peftAdapterContents([])).toThrow('savePeftAdapter: no adapters to save');
    const refusal = /savePeftAdapter: adapters differ in rank, scaling or method/;
    const [a] = adapted('lora').adapters;
    expect(() => peftAdapterContents([a!, adapted('lora', 3).adapters[0]!])).toThrow(refusal);
    expect(() => peftAdapterContents([a!, adapted('lora', 2, 8).adapters[0]!])).toThrow(refusal);
    expect(() => peftAdapterContents([a!, adapted('lora-fa').adapters[0]!])).toThrow(refusal);
  });
});

describe('parsePeftConfig', () => {
  const valid = { peft_type: 'LORA', r: 1, lora_alpha: 2, target_modules: ['fc1'] };
  const parse = (value: unknown) => () => parsePeftConfig(value, 'cfg.json');

  it('accepts a LoRA config (r ≥ 1, a number alpha, names or a regular expression; peft_type may be absent)', () => {
    expect(parsePeftConfig(valid, 'cfg.json')).toEqual(valid);
    expect(parse({ r: 3, lora_alpha: 1, target_modules: '.*fc.*' })).not.toThrow();
    expect(parse({ ...valid, use_dora: false })).not.toThrow();
  });

  it('refuses anything else, naming the file and the field', () => {
    for (const notObject of [null, [valid], 3, 'LORA'])
      expect(parse(notObject)).toThrow('cfg.json: expected a JSON object');
    expect(parse({ ...valid, peft_type: 'IA3' })).toThrow('cfg.json: peft_type "IA3" is not LORA');
    for (const r of [0, 1.5, '2', undefined]) {
      expect(parse({ ...valid, r })).toThrow(`cfg.json: r must be a positive integer, got ${JSON.stringify(r)}`);
    }
    expect(parse({ ...valid, lora_alpha: '8' })).toThrow('cfg.json: lora_alpha must be a number');
    for (const target_modules of [3, [1], ['fc1', 2], undefined]) {
      expect(parse({ ...valid, target_modules })).toThrow(
        'cfg.json: target_modules must be a list of module names or a regular expression',
      );
    }
    expect(parse({ ...valid, use_dora: true })).toThrow('cfg.json: DoRA adapters are not supported');
  });
});

describe('applyPeftAdapter', () => {
  const saved = adapted('lora-fa');
  for (const ad of saved.adapters) ad.B.assign(T.randn(ad.B.shape, { dtype: 'float64', rng: new T.Rng(5) }));
  const contents = peftAdapterContents(saved.adapters);
  const config = parsePeftConfig(contents.config, 'cfg.json');
  const fresh = () => new Mlp([5, 7, 3], 1);

  it('injects the recorded method (or the one asked for; plain LoRA when none is recorded) and copies the factors', () => {
    const adapters = applyPeftAdapter(fresh(), config, contents, 'w.safetensors');
    expect(adapters.map((a) => a.method)).toEqual(['lora-fa', 'lora-fa']);
    adapters.forEach((a, i) => expect(a.B.value.dataSync()).toEqual(saved.adapters[i]!.B.value.dataSync()));
    expect(applyPeftAdapter(fresh(), config, contents, 'w', { method: 'lora-fb' })[0]!.method).toBe('lora-fb');
    for (const lorafa_method of [undefined, 'full', 'dora']) {
      const metadata: Record<string, string> = lorafa_method ? { lorafa_method } : {};
      expect(applyPeftAdapter(fresh(), config, { ...contents, metadata }, 'w')[0]!.method).toBe('lora');
    }
  });

  it("reads a regular-expression target, rsLoRA's scaling, and PEFT's '.default.weight' keys", () => {
    const renamed = Object.fromEntries(
      Object.entries(contents.tensors).map(([k, t]) => [k.replace('.weight', '.default.weight'), t]),
    );
    const regexConfig = { ...config, target_modules: 'fc[12]', use_rslora: true };
    const adapters = applyPeftAdapter(fresh(), regexConfig, { ...contents, tensors: renamed }, 'w');
    expect(adapters.map((a) => a.name)).toEqual(['fc1', 'fc2']);
    expect(adapters[0]!.scaling).toBeCloseTo(4 / Math.SQRT2, 14); // α/√r
    expect(applyPeftAdapter(fresh(), config, contents, 'w')[0]!.scaling).toBe(2); // α/r
  });

  it('refuses a rank that contradicts r before injecting, and lists every missing, unexpected or mis-shaped tensor', () => {
    expect(() => applyPeftAdapter(fresh(), { ...config, r: 3 }, contents, 'w.safetensors')).toThrow(
      'w.safetensors: base_model.model.fc1.lora_A.weight has 2 rows but the adapter config says r = 3',
    );
    const { [peftKey('fc2', 'B')]: _dropped, ...tensors } = contents.tensors;
    tensors['base_model.model.fc3.lora_A.weight'] = T.zeros([2, 4]);
    tensors[peftKey('fc1', 'B')] = T.zeros([6, 2]);
    expect(() => applyPeftAdapter(fresh(), config, { ...contents, tensors }, 'w.safetensors')).toThrow(
      'w.safetensors does not fit the model: base_model.model.fc1.lora_B.weight: expected [7, 2], got [6, 2]; ' +
        'missing base_model.model.fc2.lora_B.weight; unexpected base_model.model.fc3.lora_A.weight',
    );
  });
});

describe('loadPeftAdapter (Node): the folder', () => {
  it('names a config that is not JSON, and a missing weights file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorafa-peft-'));
    writeFileSync(join(dir, ADAPTER_CONFIG), '{ r: 2');
    expect(() => loadPeftAdapter(dir, new Mlp([5, 7, 3], 1))).toThrow(
      new RegExp(`${join(dir, ADAPTER_CONFIG).replace(/[.\\/]/g, '\\$&')}: not valid JSON \\(`),
    );
    writeFileSync(join(dir, ADAPTER_CONFIG), JSON.stringify({ r: 2, lora_alpha: 4, target_modules: ['fc1'] }));
    expect(() => loadPeftAdapter(dir, new Mlp([5, 7, 3], 1))).toThrow(`${join(dir, ADAPTER_WEIGHTS)}: not found`);
  });
});
