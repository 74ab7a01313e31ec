/**
 * The genre task's data (data/genre.ts): balanced classes, no file in both sets, a passage's
 * label is its file's genre, every passage is 64–128 bytes of its file's text, and the held-out
 * rule is readBrown's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '@lorafa/tensor';
import { describe, expect, it } from 'vitest';
import { brownDirectory, readBrown, untag } from '../src/data/brown.js';
import { cutPassages, GENRE_NAMES, GENRES, genreSplit, isHeldOutFile, PASSAGE_BYTES } from '../src/data/genre.js';

const split = genreSplit({ trainPerGenre: 40, heldOutPerGenre: 12 });
const textOf = (() => {
  const cache = new Map<string, string>();
  return (file: string) => {
    if (!cache.has(file)) cache.set(file, untag(readFileSync(join(brownDirectory(), file), 'utf8')));
    return cache.get(file)!;
  };
})();

describe('genreSplit', () => {
  it("has the corpus's 15 genres, named", () => {
    const letters = new Set(readdirSync(brownDirectory()).flatMap((f) => (/^c[a-r]\d\d$/.test(f) ? [f[1]!] : [])));
    expect([...letters].sort().join('')).toBe(GENRES);
    expect(GENRES).toHaveLength(15);
    expect(Object.keys(GENRE_NAMES).sort().join('')).toBe(GENRES);
  });

  it('puts no file in both sets: training passages come from training files, held-out ones from held-out files', () => {
    const trainFiles = new Set(split.train.map((p) => p.file));
    const heldOutFiles = new Set(split.heldOut.map((p) => p.file));
    expect([...trainFiles].filter((f) => heldOutFiles.has(f))).toEqual([]);
    expect([...trainFiles].every((f) => !isHeldOutFile(f))).toBe(true);
    expect([...heldOutFiles].every(isHeldOutFile)).toBe(true);
  });

  it("labels each passage with its file's genre, and the passage is text of that file", () => {
    for (const p of [...split.train, ...split.heldOut]) {
      expect(GENRES[p.label]).toBe(p.file[1]);
      expect(textOf(p.file).includes(p.text)).toBe(true);
    }
  });

  it('is balanced: the asked-for count of each genre in each set', () => {
    const counts = (passages: typeof split.train) =>
      [...GENRES].map((_, label) => passages.filter((p) => p.label === label).length);
    expect(counts(split.train)).toEqual(new Array(15).fill(40));
    expect(counts(split.heldOut)).toEqual(new Array(15).fill(12));
  });

  it('cuts passages of 64–128 bytes, spread over every training file of a genre', () => {
    for (const p of [...split.train, ...split.heldOut]) {
      const bytes = Buffer.byteLength(p.text, 'utf8');
      expect(bytes).toBeGreaterThanOrEqual(PASSAGE_BYTES.min);
      expect(bytes).toBeLessThanOrEqual(PASSAGE_BYTES.max);
    }
    // science fiction (m) has five training files: 40 passages round-robin give each of them 8
    const mFiles = split.train.filter((p) => GENRES[p.label] === 'm').map((p) => p.file);
    expect(new Set(mFiles).size).toBe(5);
    for (const f of new Set(mFiles)) expect(mFiles.filter((x) => x === f)).toHaveLength(8);
  });

  it('is deterministic', () => {
    expect(genreSplit({ trainPerGenre: 40, heldOutPerGenre: 12 })).toEqual(split);
  });

  it('holds out the same files as readBrown (every fifth text of a genre)', () => {
    const files = readdirSync(brownDirectory())
      .filter((f) => /^c[a-r]\d\d$/.test(f))
      .sort();
    const heldOutTexts = files.filter(isHeldOutFile).map(textOf);
    expect(readBrown(GENRES).heldOut).toEqual(heldOutTexts);
    expect(isHeldOutFile('ca05')).toBe(true);
    expect(isHeldOutFile('ca04')).toBe(false);
  });

  it('refuses more passages than a genre has, naming the genre', () => {
    expect(() => genreSplit({ trainPerGenre: 1, heldOutPerGenre: 1000 })).toThrow(
      /genre a \(press: reportage\) has \d+ held-out passages in 8 files, fewer than the 1000 asked for/,
    );
  });
});

describe('cutPassages', () => {
  it('cuts consecutive, non-overlapping pieces within the bounds and drops only a short remainder', () => {
    const text = 'abcdefghij'.repeat(100);
    const pieces = cutPassages(text, new T.Rng(3), 64, 128);
    expect(text.startsWith(pieces.join(''))).toBe(true);
    for (const piece of pieces) expect(piece.length).toBeGreaterThanOrEqual(64);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(128);
    expect(text.length - pieces.join('').length).toBeLessThan(128);
    expect(new Set(pieces.map((p) => p.length)).size).toBeGreaterThan(1);
  });

  it('gives nothing for a text shorter than the first drawn length', () => {
    expect(cutPassages('x'.repeat(63), new T.Rng(0), 64, 128)).toEqual([]);
  });
});
