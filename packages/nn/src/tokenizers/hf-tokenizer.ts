import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer } from './tokenizer.js';

/**
 * A Hugging Face tokenizer from the parsed contents of `tokenizer.json` (GPT-2's byte-level
 * BPE, or any other the tokenizers library supports) and, optionally, `tokenizer_config.json`,
 * run by `@huggingface/tokenizers` — BPE is not re-implemented here. `source` names the file in
 * errors.
 */
export function hfTokenizerFromJson(
  json: Record<string, unknown>,
  config: Record<string, unknown> = {},
  source = 'tokenizer.json',
): TextTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (error) {
    throw new Error(`${source}: not a tokenizer the tokenizers library can load (${(error as Error).message})`);
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
