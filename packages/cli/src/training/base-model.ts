import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GPT2, TextTokenizer } from '@lorafa/nn';
import { ByteTokenizer } from '@lorafa/nn';
import { loadGpt2, loadHfTokenizer } from '@lorafa/nn/node';
import { readingInput, UsageError } from '../cli-error.js';
import { parseJson, requireObject } from '../validate.js';
import type { Fingerprint } from './checkpoint-state.js';
import { sha256File } from './hash.js';

/** The tokenizer that belongs to a checkpoint folder: a byte tokenizer (written by `lorafa pretrain`) or tokenizer.json. */
export function tokenizerFor(dir: string): TextTokenizer {
  const configPath = join(dir, 'tokenizer_config.json');
  if (existsSync(configPath)) {
    const config = requireObject(configPath, 'the config', parseJson(configPath, readFileSync(configPath, 'utf8')));
    if (config.tokenizer_class === 'ByteTokenizer') return new ByteTokenizer();
  }
  if (existsSync(join(dir, 'tokenizer.json'))) return readingInput(() => loadHfTokenizer(dir));
  throw new UsageError(`${dir}: no tokenizer (expected tokenizer.json, or tokenizer_config.json naming ByteTokenizer)`);
}

/**
 * Loads a model folder and its tokenizer; every problem with the folder is a usage error
 * naming the file. Also returns the model's part of a run's fingerprint: its config and the
 * SHA-256 of its weights file.
 */
export function loadBaseModel(dir: string): { model: GPT2; tokenizer: TextTokenizer; fingerprint: Fingerprint } {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`--model ${dir}: not a model folder (${existsSync(dir) ? 'a file' : 'no such folder'})`);
  if (!existsSync(join(dir, 'config.json')))
    throw new UsageError(`--model ${dir}: not a model folder (no config.json)`);
  const model = readingInput(() => loadGpt2(dir));
  const tokenizer = tokenizerFor(dir);
  if (tokenizer.vocabSize > model.config.vocab_size) {
    throw new UsageError(
      `${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocab_size}`,
    );
  }
  const fingerprint = {
    'model.config': JSON.stringify(model.config),
    'model.weightsSha256': sha256File(join(dir, 'model.safetensors')),
  };
  return { model, tokenizer, fingerprint };
}

export const BYTE_TOKENIZER_CONFIG = { tokenizer_class: 'ByteTokenizer', vocab_size: 257, eos_token_id: 256 };
