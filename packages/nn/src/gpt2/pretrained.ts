import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors, writeSafetensorsFile } from '../safetensors/file.js';
import { decodeTensor } from '../safetensors/decode.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { parseGpt2Config } from './config.js';
import type { GPT2Config } from './config.js';
import { GPT2 } from './model.js';
import { assignGpt2Tensor, checkGpt2Checkpoint, gpt2CheckpointTensors, gpt2ConfigJson } from './weights.js';

/** A config.json is a few hundred bytes; anything over this is not one. */
const MAX_CONFIG_BYTES = 2 ** 20;

/** Reads and validates a GPT-2 `config.json` (Node only). */
export function readGpt2Config(path: string): GPT2Config {
  if (!existsSync(path))
    throw new Error(`${path}: not found (a GPT-2 checkpoint folder needs config.json and model.safetensors)`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new Error(`${path}: not a file`);
  if (stat.size > MAX_CONFIG_BYTES)
    throw new Error(`${path}: ${stat.size} bytes is too large for a config.json (limit ${MAX_CONFIG_BYTES})`);
  return parseGpt2Config(readFileSync(path, 'utf8'), path);
}

/**
 * Loads a Hugging Face GPT-2 folder (config.json + model.safetensors; F32, F16 or BF16).
 * Work is bounded before anything is built: the config is validated, then the weights file's
 * header is checked against it (missing, unexpected and wrongly shaped keys reported together);
 * only then is the model built and each tensor read at its offset and assigned, so peak memory
 * is the model plus one tensor. Conv1D weights are transposed into Linear layout; the LM head
 * is the tied token embedding.
 */
export function loadGpt2(dir: string): GPT2 {
  const configPath = join(dir, 'config.json');
  const config = readGpt2Config(configPath);
  const weightsPath = join(dir, 'model.safetensors');
  if (!existsSync(weightsPath))
    throw new Error(`${weightsPath}: not found (only safetensors checkpoints are supported)`);
  const reader = openSafetensors(weightsPath);
  try {
    const pathOf = checkGpt2Checkpoint(config, reader.header.entries, weightsPath, configPath);
    const model = new GPT2(config);
    const parameters = new Map(model.namedParameters());
    for (const entry of reader.header.entries) {
      const path = pathOf.get(entry.name);
      if (path) assignGpt2Tensor(parameters, path, decodeTensor(entry, reader.bytesOf(entry), weightsPath));
    }
    return model;
  } finally {
    reader.close();
  }
}

/** Writes config.json and model.safetensors in Hugging Face's layout (Conv1D weights in x out). */
export function saveGpt2(model: GPT2, dir: string, extraConfig: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeSafetensorsFile(join(dir, 'model.safetensors'), gpt2CheckpointTensors(model), { format: 'pt' });
  writeFileAtomic(join(dir, 'config.json'), gpt2ConfigJson(model, extraConfig));
}
