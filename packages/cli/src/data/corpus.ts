import { UsageError } from '../cli-error.js';
import { FICTION, NONFICTION, readBrown } from './brown.js';
import { readTextFile } from './text-file.js';

/** Training and held-out text for a run. */
export interface Corpus {
  name: string;
  train: string;
  heldOut: string;
  /** Problems worth telling the user that do not stop the run (e.g. invalid UTF-8 replaced). */
  warnings: string[];
}

const BROWN: Record<string, string> = {
  'brown:fiction': FICTION,
  'brown:nonfiction': NONFICTION,
  'brown:all': NONFICTION + FICTION,
};

/**
 * `brown:fiction`, `brown:nonfiction`, `brown:all`; a `.txt` file (the last tenth held out); or
 * a `.jsonl` file of `{"text": ...}` records (every tenth record held out, or the last one when
 * there are fewer than ten). Training and held-out text never share a record.
 */
export function loadCorpus(spec: string): Corpus {
  const genres = BROWN[spec];
  if (genres) {
    const { train, heldOut } = readBrown(genres);
    return { name: spec, train: train.join('\n\n'), heldOut: heldOut.join('\n\n'), warnings: [] };
  }
  if (spec.startsWith('brown:'))
    throw new UsageError(
      `unknown corpus '${spec}' (expected ${Object.keys(BROWN).join(', ')}, FILE.txt or FILE.jsonl)`,
    );
  if (!spec.endsWith('.jsonl') && !spec.endsWith('.txt'))
    throw new UsageError(`--data: expected brown:fiction, brown:nonfiction, FILE.txt or FILE.jsonl, got ${spec}`);
  const { text, replacedBytes } = readTextFile(spec, '--data');
  const warnings = replacedBytes
    ? [`warning: ${spec} is not valid UTF-8: ${replacedBytes} bytes were replaced by U+FFFD`]
    : [];
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text; // a byte-order mark is not text
  const split = spec.endsWith('.jsonl') ? splitRecords(jsonlRecords(spec, content), spec) : splitText(content, spec);
  return { name: spec, ...split, warnings };
}

/** The `text` of each record; line numbers count every line, blank ones included. */
export function jsonlRecords(source: string, content: string): string[] {
  const texts: string[] = [];
  content.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new UsageError(`${source}:${i + 1}: not valid JSON`);
    }
    const text = typeof record === 'object' && record !== null ? (record as { text?: unknown }).text : undefined;
    if (typeof text !== 'string')
      throw new UsageError(
        `${source}:${i + 1}: expected an object with a "text" string, got ${line.trim().slice(0, 40)}`,
      );
    texts.push(text);
  });
  return texts;
}

/** Every tenth record held out (the last one when there are fewer than ten); disjoint by construction. */
export function splitRecords(texts: readonly string[], source: string): { train: string; heldOut: string } {
  if (texts.length < 2)
    throw new UsageError(
      `${source}: ${texts.length} record${texts.length === 1 ? '' : 's'}; at least 2 are needed (one for training, one held out)`,
    );
  const heldOutIndex = (i: number) => (texts.length < 10 ? i === texts.length - 1 : i % 10 === 9);
  return {
    train: texts.filter((_, i) => !heldOutIndex(i)).join('\n\n'),
    heldOut: texts.filter((_, i) => heldOutIndex(i)).join('\n\n'),
  };
}

/** The first nine tenths for training, the last tenth held out. */
function splitText(content: string, source: string): { train: string; heldOut: string } {
  const cut = Math.floor(content.length * 0.9);
  if (cut === 0 || cut === content.length)
    throw new UsageError(`${source}: ${content.length} characters is too little text to hold a tenth out`);
  return { train: content.slice(0, cut), heldOut: content.slice(cut) };
}
