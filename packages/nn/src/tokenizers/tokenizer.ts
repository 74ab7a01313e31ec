/** Text ↔ token ids. */
export interface TextTokenizer {
  /** Number of distinct token ids. */
  readonly vocabSize: number;
  /** The end-of-text id, if the vocabulary has one. */
  readonly eosId: number | undefined;
  /** Converts text to token ids. */
  encode(text: string): number[];
  /** Converts token ids back to text. */
  decode(ids: readonly number[]): string;
}
