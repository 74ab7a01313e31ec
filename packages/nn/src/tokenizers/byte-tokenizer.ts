import type { TextTokenizer } from './tokenizer.js';

/**
 * The simplest tokenizer for models trained here: one token per UTF-8 byte (ids 0–255) plus
 * an end-of-text token (id 256). Any text round-trips exactly.
 */
export class ByteTokenizer implements TextTokenizer {
  readonly vocabSize = 257;
  readonly eosId = 256;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8');

  /** The UTF-8 bytes of text as ids 0–255 (no end-of-text token appended). */
  encode(text: string): number[] {
    return [...this.encoder.encode(text)];
  }

  /** Decodes byte ids as UTF-8, dropping end-of-text tokens; throws on an id outside 0–256. */
  decode(ids: readonly number[]): string {
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id > 256);
    if (bad !== undefined) throw new Error(`ByteTokenizer: id ${bad} is not a byte or the end-of-text token`);
    return this.decoder.decode(new Uint8Array(ids.filter((id) => id !== this.eosId)));
  }
}
