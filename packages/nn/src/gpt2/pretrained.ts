import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '@lorafa/tensor';
import { readSafetensorsFile } from '../safetensors/read.js';
import { writeSafetensorsFile } from '../safetensors/write.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readGpt2Config } from './config.js';
import type { GPT2Config } from './config.js';
import { isConv1DWeight, isIgnoredKey, normalizeKey } from './hf-keys.js';
import { GPT2 } from './model.js';

/**
 * Loads a Hugging Face GPT-2 folder (config.json + model.safetensors; F32, F16 or BF16).
 * Conv1D weights are transposed into Linear layout; the LM head is the tied token embedding.
 * Missing, unexpected and wrongly shaped keys are reported together in one error.
 */
export function loadGpt2(dir: string): GPT2 {
  const config = readGpt2Config(join(dir, 'config.json'));
  const weightsPath = join(dir, 'model.safetensors');
  if (!existsSync(weightsPath))
    throw new Error(`${weightsPath}: not found (only safetensors checkpoints are supported)`);
  const { tensors } = readSafetensorsFile(weightsPath);
  const model = new GPT2(config);
  const expected = new Map(model.namedParameters());
  const state: Record<string, T.Tensor> = {};
  const unexpected: string[] = [];
  const wrongShape: string[] = [];
  for (const [rawKey, tensor] of Object.entries(tensors)) {
    const key = normalizeKey(rawKey);
    if (isIgnoredKey(key)) continue;
    const parameter = expected.get(key);
    if (!parameter) {
      unexpected.push(rawKey);
      continue;
    }
    const value = isConv1DWeight(key) ? tensor.transpose().contiguous() : tensor;
    if (!T.shapesEqual(value.shape, parameter.shape)) {
      const stored = isConv1DWeight(key) ? [...parameter.shape].reverse() : parameter.shape;
      wrongShape.push(`${rawKey} (expected ${T.formatShape(stored)}, got ${T.formatShape(tensor.shape)})`);
      continue;
    }
    state[key] = value;
  }
  const missing = [...expected.keys()].filter(
    (k) => !(k in state) && !wrongShape.some((w) => normalizeKey(w.split(' ')[0]!) === k),
  );
  const problems = [
    missing.length ? `missing keys: ${missing.join(', ')}` : '',
    unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
    wrongShape.length ? `wrong shapes: ${wrongShape.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length)
    throw new Error(`${weightsPath} does not fit the GPT-2 of ${join(dir, 'config.json')}: ${problems.join('; ')}`);
  model.loadStateDict(state);
  return model;
}

/** Writes config.json and model.safetensors in Hugging Face's layout (Conv1D weights in x out). */
export function saveGpt2(model: GPT2, dir: string, extraConfig: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  const tensors: Record<string, T.Tensor> = {};
  for (const [path, parameter] of model.namedParameters()) {
    tensors[path] = isConv1DWeight(path) ? parameter.value.transpose().contiguous() : parameter.value;
  }
  writeSafetensorsFile(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  const config: GPT2Config & Record<string, unknown> = {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    ...model.config,
    tie_word_embeddings: true,
    ...extraConfig,
  };
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
