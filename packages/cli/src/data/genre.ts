import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '@lorafa/tensor';
import { UsageError } from '../cli-error.js';
import { brownDirectory, untag } from './brown.js';

/**
 * The Brown corpus's 15 genres, one letter each as in its file names (`c<genre><nn>`; there is
 * no i, o or q), in label order: label 0 is `a`, label 14 is `r`.
 */
export const GENRES = 'abcdefghjklmnpr';

/** What each genre letter stands for (the corpus's own categories). */
export const GENRE_NAMES: Readonly<Record<string, string>> = {
  a: 'press: reportage',
  b: 'press: editorial',
  c: 'press: reviews',
  d: 'religion',
  e: 'skills and hobbies',
  f: 'popular lore',
  g: 'belles-lettres',
  h: 'government and house organs',
  j: 'learned',
  k: 'general fiction',
  l: 'mystery and detective fiction',
  m: 'science fiction',
  n: 'adventure and western',
  p: 'romance and love story',
  r: 'humor',
};

/** The shortest and longest passage, in bytes (Brown's text is ASCII: a byte is a character). */
export const PASSAGE_BYTES = { min: 64, max: 128 } as const;

/** A labelled passage: its text, its genre's label (an index into GENRES) and the file it was cut from. */
export interface Passage {
  text: string;
  label: number;
  file: string;
}

/** Training passages from training files, held-out passages from held-out files. */
export interface GenreSplit {
  train: Passage[];
  heldOut: Passage[];
}

/**
 * The held-out rule of `readBrown` (data/brown.ts): every fifth text of a genre (numbers 05,
 * 10, 15, ...) is held out. A test checks that both give the same texts.
 */
export function isHeldOutFile(file: string): boolean {
  return Number(file.slice(2)) % 5 === 0;
}

/**
 * Cuts a text into consecutive, non-overlapping passages whose lengths are drawn uniformly
 * from [min, max] by `rng`; the remainder shorter than the next drawn length is dropped.
 */
export function cutPassages(
  text: string,
  rng: T.Rng,
  min: number = PASSAGE_BYTES.min,
  max = PASSAGE_BYTES.max,
): string[] {
  const pieces: string[] = [];
  for (let start = 0; ; ) {
    const length = min + Math.floor(rng.nextFloat64() * (max - min + 1));
    if (start + length > text.length) return pieces;
    pieces.push(text.slice(start, start + length));
    start += length;
  }
}

/**
 * `perGenre` passages of one genre, taken round-robin over its files (the first passage of
 * each file, then the second of each, ...), so that every file contributes about equally.
 */
function roundRobin(passagesByFile: readonly Passage[][], perGenre: number, genre: string, part: string): Passage[] {
  const available = passagesByFile.reduce((n, p) => n + p.length, 0);
  if (available < perGenre)
    throw new UsageError(
      `genre ${genre} (${GENRE_NAMES[genre]}) has ${available} ${part} passages in ${passagesByFile.length} files, fewer than the ${perGenre} asked for`,
    );
  const chosen: Passage[] = [];
  for (let index = 0; chosen.length < perGenre; index++)
    for (const passages of passagesByFile) {
      if (index < passages.length && chosen.length < perGenre) chosen.push(passages[index]!);
    }
  return chosen;
}

/**
 * The genre task's data, deterministic and balanced: for each of the 15 genres, `trainPerGenre`
 * passages from its training files and `heldOutPerGenre` from its held-out files (isHeldOutFile),
 * each passage 64–128 bytes, cut by cutPassages with an Rng seeded from the file's name (so a
 * file's passages never depend on which other files are read). Passages are in genre order.
 */
export function genreSplit(options: { trainPerGenre: number; heldOutPerGenre: number }): GenreSplit {
  const dir = brownDirectory();
  const files = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort();
  const split: GenreSplit = { train: [], heldOut: [] };
  for (const [label, genre] of [...GENRES].entries()) {
    const byFile = files
      .filter((f) => f[1] === genre)
      .map((file) => {
        const text = untag(readFileSync(join(dir, file), 'utf8'));
        const rng = new T.Rng(Number.parseInt(file, 36));
        return { file, passages: cutPassages(text, rng).map((t): Passage => ({ text: t, label, file })) };
      });
    const train = byFile.filter((f) => !isHeldOutFile(f.file)).map((f) => f.passages);
    const heldOut = byFile.filter((f) => isHeldOutFile(f.file)).map((f) => f.passages);
    split.train.push(...roundRobin(train, options.trainPerGenre, genre, 'training'));
    split.heldOut.push(...roundRobin(heldOut, options.heldOutPerGenre, genre, 'held-out'));
  }
  return split;
}
