import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer } from './tokenizer.js';

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * A Hugging Face `tokenizer.json` (GPT-2's byte-level BPE, or any other the tokenizers
 * library supports), run by `@huggingface/tokenizers` — BPE is not re-implemented here.
 * `tokenizer_config.json` is read when present.
 */
export function loadHfTokenizer(dir: string): TextTokenizer {
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) throw new Error(`${path}: not found`);
  const json = readJson(path);
  const configPath = join(dir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? readJson(configPath) : {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (error) {
    throw new Error(`${path}: not a tokenizer the tokenizers library can load (${(error as Error).message})`);
  }
  const model = json.model as { vocab?: Record<string, number> } | undefined;
  const added = (json.added_tokens as { id: number }[] | undefined) ?? [];
  const ids = [...Object.values(model?.vocab ?? {}), ...added.map((t) => t.id)];
  const eos = tokenizer.token_to_id('<|endoftext|>');
  return {
    vocabSize: ids.length ? Math.max(...ids) + 1 : 0,
    eosId: eos,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    decode: (tokenIds) => tokenizer.decode([...tokenIds], { skip_special_tokens: false }),
  };
}
