import * as T from '@lorafa/tensor';
import type { Variable } from '@lorafa/autograd';
import type { GPT2Config } from './config.js';
import { isConv1DWeight, isIgnoredKey, normalizeKey } from './hf-keys.js';
import { GPT2 } from './model.js';

/**
 * The tensors of a Hugging Face GPT-2 checkpoint, as stored (Conv1D weights in x out), by
 * parameter path, computed from the config alone: nothing is allocated.
 */
export function gpt2CheckpointShapes(config: GPT2Config): Map<string, number[]> {
  const { vocab_size: vocab, n_positions: positions, n_embd: e } = config;
  const inner = config.n_inner ?? 4 * e;
  const shapes = new Map<string, number[]>([
    ['transformer.wte.weight', [vocab, e]],
    ['transformer.wpe.weight', [positions, e]],
  ]);
  for (let i = 0; i < config.n_layer; i++) {
    const h = `transformer.h.${i}`;
    for (const [name, shape] of [
      ['ln_1.weight', [e]],
      ['ln_1.bias', [e]],
      ['attn.c_attn.weight', [e, 3 * e]],
      ['attn.c_attn.bias', [3 * e]],
      ['attn.c_proj.weight', [e, e]],
      ['attn.c_proj.bias', [e]],
      ['ln_2.weight', [e]],
      ['ln_2.bias', [e]],
      ['mlp.c_fc.weight', [e, inner]],
      ['mlp.c_fc.bias', [inner]],
      ['mlp.c_proj.weight', [inner, e]],
      ['mlp.c_proj.bias', [e]],
    ] as const)
      shapes.set(`${h}.${name}`, [...shape]);
  }
  shapes.set('transformer.ln_f.weight', [e]);
  shapes.set('transformer.ln_f.bias', [e]);
  return shapes;
}

/**
 * Checks a checkpoint's keys and shapes (from its header) against the config before any model
 * is built; missing, unexpected and wrongly shaped keys are reported together. Returns the
 * parameter path of each stored key that carries a parameter.
 */
export function checkGpt2Checkpoint(
  config: GPT2Config,
  stored: readonly { name: string; shape: readonly number[] }[],
  weightsSource: string,
  configSource: string,
): Map<string, string> {
  const expected = gpt2CheckpointShapes(config);
  const pathOf = new Map<string, string>();
  const unexpected: string[] = [];
  const wrongShape: string[] = [];
  for (const { name, shape } of stored) {
    const path = normalizeKey(name);
    if (isIgnoredKey(path)) continue;
    const want = expected.get(path);
    if (!want || [...pathOf.values()].includes(path)) unexpected.push(name);
    else if (!T.shapesEqual(shape, want))
      wrongShape.push(`${name} (expected ${T.formatShape(want)}, got ${T.formatShape(shape)})`);
    pathOf.set(name, path);
  }
  const seen = new Set(pathOf.values());
  const missing = [...expected.keys()].filter((k) => !seen.has(k));
  const problems = [
    missing.length ? `missing keys: ${summarize(missing)}` : '',
    unexpected.length ? `unexpected keys: ${summarize(unexpected)}` : '',
    wrongShape.length ? `wrong shapes: ${summarize(wrongShape)}` : '',
  ].filter(Boolean);
  if (problems.length)
    throw new Error(`${weightsSource} does not fit the GPT-2 of ${configSource}: ${problems.join('; ')}`);
  return pathOf;
}

function summarize(items: readonly string[]): string {
  return items.length > 8 ? `${items.slice(0, 8).join(', ')}, … (${items.length} in all)` : items.join(', ');
}

/** Sets one parameter from a stored checkpoint tensor (Conv1D weights are transposed). */
export function assignGpt2Tensor(parameters: Map<string, Variable>, path: string, stored: T.Tensor): void {
  const parameter = parameters.get(path)!;
  const value = isConv1DWeight(path) ? stored.transpose() : stored;
  parameter.assign(T.cast(value, parameter.dtype).contiguous());
}

/** A GPT-2 from a parsed config and checkpoint tensors (e.g. `parseSafetensors(bytes).tensors`). */
export function gpt2FromTensors(config: GPT2Config, tensors: Record<string, T.Tensor>, source = '<tensors>'): GPT2 {
  const stored = Object.entries(tensors).map(([name, t]) => ({ name, shape: t.shape }));
  const pathOf = checkGpt2Checkpoint(config, stored, source, 'its config');
  const model = new GPT2(config);
  const parameters = new Map(model.namedParameters());
  for (const [name, path] of pathOf) assignGpt2Tensor(parameters, path, tensors[name]!);
  return model;
}

/** The model's tensors in Hugging Face's layout (Conv1D weights in x out), by key. */
export function gpt2CheckpointTensors(model: GPT2): Record<string, T.Tensor> {
  const tensors: Record<string, T.Tensor> = {};
  for (const [path, parameter] of model.namedParameters())
    tensors[path] = isConv1DWeight(path) ? parameter.value.transpose().contiguous() : parameter.value;
  return tensors;
}

/** The text of a Hugging Face `config.json` for the model. */
export function gpt2ConfigJson(model: GPT2, extra: Record<string, unknown> = {}): string {
  const config = {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    ...model.config,
    tie_word_embeddings: true,
    ...extra,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
