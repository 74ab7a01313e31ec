import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../cli-error.js';
import { FICTION, NONFICTION, readBrown } from './brown.js';

/** Training and held-out text for a run. */
export interface Corpus {
  name: string;
  train: string;
  heldOut: string;
}

const BROWN: Record<string, string> = {
  'brown:fiction': FICTION,
  'brown:nonfiction': NONFICTION,
  'brown:all': NONFICTION + FICTION,
};

/**
 * `brown:fiction`, `brown:nonfiction`, `brown:all`; a `.txt` file (the last tenth held out); or
 * a `.jsonl` file of `{"text": ...}` records (every tenth record held out).
 */
export function loadCorpus(spec: string): Corpus {
  const genres = BROWN[spec];
  if (genres) {
    const { train, heldOut } = readBrown(genres);
    return { name: spec, train: train.join('\n\n'), heldOut: heldOut.join('\n\n') };
  }
  if (spec.startsWith('brown:'))
    throw new UsageError(
      `unknown corpus '${spec}' (expected ${Object.keys(BROWN).join(', ')}, FILE.txt or FILE.jsonl)`,
    );
  if (!existsSync(spec)) throw new UsageError(`--data: no such file: ${spec}`);
  const content = readFileSync(spec, 'utf8');
  if (spec.endsWith('.jsonl')) {
    const texts = content
      .split('\n')
      .filter((l) => l.trim())
      .map((line, i) => {
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          throw new UsageError(`${spec}:${i + 1}: not valid JSON`);
        }
        const text = (record as { text?: unknown }).text;
        if (typeof text !== 'string') throw new UsageError(`${spec}:${i + 1}: expected an object with a "text" string`);
        return text;
      });
    if (texts.length < 2) throw new UsageError(`${spec}: needs at least 2 records (one is held out)`);
    return {
      name: spec,
      train: texts.filter((_, i) => i % 10 !== 9).join('\n\n'),
      heldOut: texts.filter((_, i) => i % 10 === 9 || (texts.length < 10 && i === texts.length - 1)).join('\n\n'),
    };
  }
  if (!spec.endsWith('.txt'))
    throw new UsageError(`--data: expected brown:fiction, brown:nonfiction, FILE.txt or FILE.jsonl, got ${spec}`);
  const cut = Math.floor(content.length * 0.9);
  return { name: spec, train: content.slice(0, cut), heldOut: content.slice(cut) };
}
