import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '@lorafa/tensor';
import type { Module } from '@lorafa/nn';
import { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from '@lorafa/nn';
import type { LoraAdapter } from './adapter.js';
import type { LoraInit, LoraMethod } from './config.js';
import { LORA_METHODS } from './config.js';
import { injectLora } from './inject.js';

/**
 * PEFT's on-disk adapter format: `adapter_config.json` (a LoraConfig) and
 * `adapter_model.safetensors` with keys `base_model.model.<module path>.lora_A.weight`
 * (r x in) and `.lora_B.weight` (out x r). Module paths here are Hugging Face's, so an adapter
 * saved here loads in PEFT and the other way round. With `fan_in_fan_out` (GPT-2's Conv1D) PEFT
 * keeps A and B in this same orientation and transposes only ΔW, so nothing changes on disk.
 * The LoRA method is kept in the safetensors metadata (`lorafa_method`); PEFT ignores it.
 */
export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';

export interface SaveAdapterOptions {
  baseModel?: string;
  taskType?: string;
  /** True for models whose Linear layers are HF Conv1D (GPT-2). */
  fanInFanOut?: boolean;
  init?: LoraInit;
}

export function peftKey(path: string, factor: 'A' | 'B'): string {
  return `${PREFIX}${path}.lora_${factor}.weight`;
}

/** Writes the adapters of one model in PEFT's format (files written atomically). */
export function savePeftAdapter(dir: string, adapters: readonly LoraAdapter[], options: SaveAdapterOptions = {}): void {
  if (adapters.length === 0)
    throw new Error('savePeftAdapter: no adapters to save (full fine-tuning has none; save the model instead)');
  const first = adapters[0]!;
  const rank = first.A.shape[0]!;
  if (adapters.some((a) => a.A.shape[0] !== rank || a.scaling !== first.scaling || a.method !== first.method)) {
    throw new Error(
      'savePeftAdapter: adapters differ in rank, scaling or method; PEFT stores one LoraConfig per adapter',
    );
  }
  mkdirSync(dir, { recursive: true });
  const tensors: Record<string, T.Tensor> = {};
  for (const a of adapters) {
    tensors[peftKey(a.name, 'A')] = a.A.value;
    tensors[peftKey(a.name, 'B')] = a.B.value;
  }
  writeSafetensorsFile(join(dir, ADAPTER_WEIGHTS), tensors, { format: 'pt', lorafa_method: first.method });
  const alpha = first.scaling * rank; // s = α/r (rsLoRA is written as the equivalent α/r)
  const config = {
    peft_type: 'LORA',
    task_type: options.taskType ?? 'CAUSAL_LM',
    base_model_name_or_path: options.baseModel ?? null,
    r: rank,
    lora_alpha: alpha,
    lora_dropout: 0.0,
    target_modules: adapters.map((a) => a.name),
    fan_in_fan_out: options.fanInFanOut ?? false,
    bias: 'none',
    use_rslora: false,
    init_lora_weights: options.init === 'gaussian' ? 'gaussian' : true,
    modules_to_save: null,
    inference_mode: true,
    use_dora: false,
  };
  writeFileAtomic(join(dir, ADAPTER_CONFIG), `${JSON.stringify(config, null, 2)}\n`);
}

interface PeftConfig {
  r: number;
  lora_alpha: number;
  target_modules: string[] | string;
  use_rslora?: boolean;
}

function readConfig(dir: string): PeftConfig {
  const path = join(dir, ADAPTER_CONFIG);
  if (!existsSync(path))
    throw new Error(`${path}: not found (a PEFT adapter folder has ${ADAPTER_CONFIG} and ${ADAPTER_WEIGHTS})`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (raw.peft_type !== undefined && raw.peft_type !== 'LORA')
    throw new Error(`${path}: peft_type ${JSON.stringify(raw.peft_type)} is not LORA`);
  if (!Number.isInteger(raw.r) || (raw.r as number) < 1)
    throw new Error(`${path}: r must be a positive integer, got ${JSON.stringify(raw.r)}`);
  if (typeof raw.lora_alpha !== 'number') throw new Error(`${path}: lora_alpha must be a number`);
  const targets = raw.target_modules;
  if (!(typeof targets === 'string' || (Array.isArray(targets) && targets.every((t) => typeof t === 'string')))) {
    throw new Error(`${path}: target_modules must be a list of module names or a regular expression`);
  }
  if (raw.use_dora === true) throw new Error(`${path}: DoRA adapters are not supported`);
  return raw as unknown as PeftConfig;
}

/**
 * Injects and fills adapters from a PEFT adapter folder. The method is `options.method`, else
 * the one recorded by `savePeftAdapter`, else plain LoRA. Missing, unexpected or mis-shaped
 * tensors are reported together.
 */
export function loadPeftAdapter(
  dir: string,
  model: Module,
  options: { method?: Exclude<LoraMethod, 'full'> } = {},
): LoraAdapter[] {
  const config = readConfig(dir);
  const weightsPath = join(dir, ADAPTER_WEIGHTS);
  if (!existsSync(weightsPath)) throw new Error(`${weightsPath}: not found`);
  const { tensors, metadata } = readSafetensorsFile(weightsPath);
  const recorded = metadata['lorafa_method'] as LoraMethod | undefined;
  const method =
    options.method ?? (recorded && LORA_METHODS.includes(recorded) && recorded !== 'full' ? recorded : 'lora');
  const targets =
    typeof config.target_modules === 'string' ? [new RegExp(config.target_modules)] : config.target_modules;
  const adapters = injectLora(model, {
    targets,
    method,
    rank: config.r,
    alpha: config.lora_alpha,
    rsLora: config.use_rslora ?? false,
  });
  const normalized = new Map(Object.entries(tensors).map(([k, t]) => [k.replace('.default.weight', '.weight'), t]));
  const problems: string[] = [];
  const used = new Set<string>();
  const assignments: (() => void)[] = [];
  for (const a of adapters) {
    for (const factor of ['A', 'B'] as const) {
      const key = peftKey(a.name, factor);
      const value = normalized.get(key);
      const target = factor === 'A' ? a.A : a.B;
      if (!value) problems.push(`missing ${key}`);
      else if (!T.shapesEqual(value.shape, target.shape))
        problems.push(`${key}: expected ${T.formatShape(target.shape)}, got ${T.formatShape(value.shape)}`);
      else {
        assignments.push(() => target.assign(T.cast(value, target.dtype).contiguous()));
        used.add(key);
      }
    }
  }
  const unexpected = [...normalized.keys()].filter((k) => !used.has(k) && !problems.some((p) => p.includes(k)));
  if (unexpected.length) problems.push(`unexpected ${unexpected.join(', ')}`);
  if (problems.length) throw new Error(`${weightsPath} does not fit the model: ${problems.join('; ')}`);
  for (const assign of assignments) assign();
  return adapters;
}
