/** A temporary folder with a small corpus and a tiny byte-level GPT-2 pretrained in it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../packages/cli/src/main.js';

export interface Workspace {
  dir: string;
  /** A .txt corpus. */
  text: string;
  /** A pretrained model folder: n_embd 16, 1 layer, 2 heads, 32 positions. */
  base: string;
  remove(): void;
}

/** Flags that keep a finetune run tiny (batch 2 x 16 bytes, one evaluation batch). */
export const TINY_RUN = ['--batch', '2', '--seq', '16', '--eval-batches', '1', '--rank', '2'];

export async function makeWorkspace(prefix: string): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), `lorafa-${prefix}-`));
  const text = join(dir, 'corpus.txt');
  writeFileSync(text, 'The quick brown fox jumps over the lazy dog while the cat sleeps in the sun. '.repeat(40));
  const base = join(dir, 'base');
  const lines: string[] = [];
  const code = await runCli(
    [
      'pretrain',
      '--data',
      text,
      '--out',
      base,
      '--steps',
      '2',
      '--embd',
      '16',
      '--layers',
      '1',
      '--heads',
      '2',
      '--positions',
      '32',
      '--batch',
      '2',
      '--seq',
      '16',
      '--eval-batches',
      '1',
      '--json',
    ],
    { out: (l) => lines.push(l), err: (l) => lines.push(l) },
  );
  if (code !== 0) throw new Error(`pretraining the tiny model failed: ${lines.join('\n')}`);
  return { dir, text, base, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
