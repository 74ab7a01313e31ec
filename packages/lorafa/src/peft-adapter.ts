import * as T from '@lorafa/tensor';
import type { Module } from '@lorafa/nn';
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
 * This file builds and reads the contents (browser-safe); `peft-adapter-files.ts` (Node only,
 * `@lorafa/lorafa/node`) writes and reads the folder.
 */
export const ADAPTER_CONFIG = 'adapter_config.json';
/** File name of the adapter's tensors in a PEFT adapter folder. */
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';

/** Fields written into `adapter_config.json` when saving a PEFT adapter. */
export interface SaveAdapterOptions {
  baseModel?: string;
  taskType?: string;
  /** True for models whose Linear layers are HF Conv1D (GPT-2). */
  fanInFanOut?: boolean;
  init?: LoraInit;
}

/** The PEFT tensor key of a module's factor: `base_model.model.<path>.lora_<A|B>.weight`. */
export function peftKey(path: string, factor: 'A' | 'B'): string {
  return `${PREFIX}${path}.lora_${factor}.weight`;
}

/** What an adapter folder holds: the config object, the tensors and their metadata. */
export interface PeftAdapterContents {
  config: Record<string, unknown>;
  tensors: Record<string, T.Tensor>;
  metadata: Record<string, string>;
}

/** The contents of a PEFT adapter folder for the adapters of one model. */
export function peftAdapterContents(
  adapters: readonly LoraAdapter[],
  options: SaveAdapterOptions = {},
): PeftAdapterContents {
  if (adapters.length === 0)
    throw new Error('savePeftAdapter: no adapters to save (full fine-tuning has none; save the model instead)');
  const first = adapters[0]!;
  const rank = first.A.shape[0]!;
  if (adapters.some((a) => a.A.shape[0] !== rank || a.scaling !== first.scaling || a.method !== first.method)) {
    throw new Error(
      'savePeftAdapter: adapters differ in rank, scaling or method; PEFT stores one LoraConfig per adapter',
    );
  }
  const tensors: Record<string, T.Tensor> = {};
  for (const a of adapters) {
    tensors[peftKey(a.name, 'A')] = a.A.value;
    tensors[peftKey(a.name, 'B')] = a.B.value;
  }
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
  return { config, tensors, metadata: { format: 'pt', lorafa_method: first.method } };
}

/** The fields of a PEFT `adapter_config.json` this project reads. */
export interface PeftConfig {
  r: number;
  lora_alpha: number;
  target_modules: string[] | string;
  use_rslora?: boolean;
}

/** Validates a parsed `adapter_config.json`; `path` names it in errors. */
export function parsePeftConfig(parsed: unknown, path: string): PeftConfig {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path}: expected a JSON object`);
  const raw = parsed as Record<string, unknown>;
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
 * Injects adapters described by a validated config into `model` and fills them from the
 * adapter's tensors. The method is `options.method`, else the one recorded by
 * `peftAdapterContents` in the metadata, else plain LoRA. Missing, unexpected or mis-shaped
 * tensors are reported together, before anything is assigned.
 */
export function applyPeftAdapter(
  model: Module,
  config: PeftConfig,
  contents: { tensors: Record<string, T.Tensor>; metadata: Readonly<Record<string, string | undefined>> },
  weightsPath: string,
  options: { method?: Exclude<LoraMethod, 'full'> } = {},
): LoraAdapter[] {
  const { tensors, metadata } = contents;
  const recorded = metadata['lorafa_method'] as LoraMethod | undefined;
  const method =
    options.method ?? (recorded && LORA_METHODS.includes(recorded) && recorded !== 'full' ? recorded : 'lora');
  const wrongRank = Object.entries(tensors).find(([k, t]) => /\.lora_A\./.test(k) && t.shape[0] !== config.r);
  if (wrongRank)
    // checked before injecting, so a crafted r allocates nothing
    throw new Error(
      `${weightsPath}: ${wrongRank[0]} has ${wrongRank[1].shape[0]} rows but the adapter config says r = ${config.r}`,
    );
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
