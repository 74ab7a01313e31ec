/** Text ↔ token ids. */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** The end-of-text id, if the vocabulary has one. */
  readonly eosId: number | undefined;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}
