import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '@lorafa/nn';
import { loadHfTokenizer } from '@lorafa/nn/node';

/** GPT-2's byte → printable-character map (bytes_to_unicode in its encoder.py). */
function bytesToUnicode(): string[] {
  const printable = [...range(33, 126), ...range(161, 172), ...range(174, 255)];
  let extra = 0;
  return range(0, 255).map((b) => String.fromCodePoint(printable.includes(b) ? b : 256 + extra++));
}
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** A tiny GPT-2-style byte-level BPE tokenizer.json: 256 byte symbols, three merges, EOS. */
function writeTinyGpt2Tokenizer(): string {
  const symbols = bytesToUnicode();
  const vocab: Record<string, number> = Object.fromEntries(symbols.map((s, i) => [s, i]));
  const merges = ['h e', 'Ġ t', 'Ġt he'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const eos = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eos;
  const json = {
    version: '1.0',
    added_tokens: [
      {
        id: eos,
        content: '<|endoftext|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'lorafa-tok-'));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  return dir;
}

describe('tokenizers', () => {
  it('ByteTokenizer round-trips any text, one id per UTF-8 byte', () => {
    const t = new ByteTokenizer();
    const text = 'Fiction, ça va — 日本';
    expect(t.encode(text)).toHaveLength(new TextEncoder().encode(text).length);
    expect(t.decode(t.encode(text))).toBe(text);
    expect(t.decode([...t.encode('ok'), t.eosId])).toBe('ok');
    expect(() => t.decode([300])).toThrow(/ByteTokenizer: id 300 is not a byte/);
  });

  it('loads a GPT-2 byte-level BPE tokenizer.json through @huggingface/tokenizers', () => {
    const t = loadHfTokenizer(writeTinyGpt2Tokenizer());
    expect(t.vocabSize).toBe(260);
    expect(t.eosId).toBe(259);
    const ids = t.encode('the the');
    // 't' (byte 116, id 116), 'he' (the first merge, 256), then 'Ġthe' (the third merge, 258).
    expect(ids).toEqual([116, 256, 258]);
    expect(t.decode(ids)).toBe('the the');
    expect(t.decode(t.encode('Zürich, 1999!'))).toBe('Zürich, 1999!');
  });

  it('names a missing or broken tokenizer file', () => {
    expect(() => loadHfTokenizer(mkdtempSync(join(tmpdir(), 'x-')))).toThrow(/tokenizer\.json: not found/);
    const dir = mkdtempSync(join(tmpdir(), 'x-'));
    writeFileSync(join(dir, 'tokenizer.json'), '{');
    expect(() => loadHfTokenizer(dir)).toThrow(/tokenizer\.json: not valid JSON/);
  });
});
