import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TextTokenizer } from '@lorafa/nn';
import type { GPT2 } from '@lorafa/nn';
import { ByteTokenizer } from '@lorafa/nn';
import { loadGpt2, loadHfTokenizer } from '@lorafa/nn/node';
import { UsageError } from '../cli-error.js';

/** The tokenizer that belongs to a checkpoint folder: a byte tokenizer (written by `lorafa pretrain`) or tokenizer.json. */
export function tokenizerFor(dir: string): TextTokenizer {
  const configPath = join(dir, 'tokenizer_config.json');
  if (existsSync(configPath)) {
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { tokenizer_class?: string };
    if (config.tokenizer_class === 'ByteTokenizer') return new ByteTokenizer();
  }
  if (existsSync(join(dir, 'tokenizer.json'))) return loadHfTokenizer(dir);
  throw new UsageError(`${dir}: no tokenizer (expected tokenizer.json, or tokenizer_config.json naming ByteTokenizer)`);
}

export function loadBaseModel(dir: string): { model: GPT2; tokenizer: TextTokenizer } {
  if (!existsSync(join(dir, 'config.json')))
    throw new UsageError(`--model ${dir}: not a model folder (no config.json)`);
  const model = loadGpt2(dir);
  const tokenizer = tokenizerFor(dir);
  if (tokenizer.vocabSize > model.config.vocab_size) {
    throw new UsageError(
      `${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocab_size}`,
    );
  }
  return { model, tokenizer };
}

export const BYTE_TOKENIZER_CONFIG = { tokenizer_class: 'ByteTokenizer', vocab_size: 257, eos_token_id: 256 };
