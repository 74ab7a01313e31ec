/**
 * The CLI misuse table: each misuse of `lorafa`, run in a child process (the whole table in
 * one, see support/cli-table-child.ts), with its exit code (0 ok, 1 numerical failure, 2 bad
 * input), the first line it prints on stderr, and a bound on its own peak RSS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/src/main.js';
import { splitRecords } from '../../packages/cli/src/data/corpus.js';
import type { TableResult } from './support/cli.js';
import { MiB, runLorafaTable } from './support/cli.js';
import type { Workspace } from './support/workspace.js';
import { makeWorkspace, TINY_RUN } from './support/workspace.js';

let ws: Workspace;
let results: TableResult[];
const path = (name: string) => join(ws.dir, name);
const long = 'Some plain English text that is long enough to fill a training window or two. '.repeat(8);

beforeAll(async () => {
  ws = await makeWorkspace('misuse');
  writeFileSync(path('null.jsonl'), '{"text":"a"}\nnull\n');
  writeFileSync(path('blank.jsonl'), '{"text":"a"}\n\n\n{"text":"b"}\n\nnot json\n');
  writeFileSync(path('one.jsonl'), '{"text":"only one"}\n');
  writeFileSync(path('bom.jsonl'), `\uFEFF${[1, 2, 3].map(() => JSON.stringify({ text: long })).join('\n')}\n`);
  writeFileSync(path('short.txt'), 'Too short.');
  const garbage = new Uint8Array(3000);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
  writeFileSync(path('garbage.txt'), garbage);
  mkdirSync(path('a-folder.txt'));
  writeFileSync(path('a-file'), 'x');
  mkdirSync(path('locked'));
  writeFileSync(path('locked/.lock'), `${process.pid}\n`); // this test process: alive
  mkdirSync(path('stale'));
  writeFileSync(path('stale/.lock'), '2147483646\n'); // no such process
  results = await runLorafaTable(CASES.map(([, args]) => args()));
}, 120_000);
afterAll(() => ws.remove());

/** [what, arguments, exit code, first line of stderr] */
type Case = [string, () => string[], number, RegExp];
const finetune = (...extra: string[]) => ['finetune', '--model', ws.base, '--steps', '1', ...TINY_RUN, ...extra];

const CASES: Case[] = [
  ['no arguments: usage on stderr', () => [], 2, /^lorafa — LoRA-FA in TypeScript$/],
  ['finetune -h', () => ['finetune', '-h'], 0, /^$/],
  [
    'a folder as --data',
    () => finetune('--data', path('a-folder.txt')),
    2,
    /^lorafa finetune: --data: .*a-folder\.txt is a folder, expected a file$/,
  ],
  [
    'a file as --out',
    () => finetune('--data', ws.text, '--out', path('a-file')),
    2,
    /^lorafa finetune: --out .*a-file: a file is in the way, expected a folder$/,
  ],
  [
    'an unwritable --out (/sys)',
    () => finetune('--data', ws.text, '--out', '/sys'),
    2,
    /^lorafa finetune: --out \/sys: not writable \(EACCES\)$/,
  ],
  [
    'an --out locked by a running process',
    () => finetune('--data', ws.text, '--out', path('locked')),
    2,
    new RegExp(`^lorafa finetune: --out .*locked is in use by process ${process.pid} `),
  ],
  [
    'too little text',
    () => finetune('--data', path('short.txt')),
    2,
    /^lorafa finetune: too little training data: 9 tokens, fewer than one window of --seq 16 \+ 1 = 17$/,
  ],
  [
    'one JSONL record',
    () => finetune('--data', path('one.jsonl')),
    2,
    /^lorafa finetune: .*one\.jsonl: 1 record; at least 2 are needed/,
  ],
  [
    'a JSONL line null',
    () => finetune('--data', path('null.jsonl')),
    2,
    /^lorafa finetune: .*null\.jsonl:2: expected an object with a "text" string, got null$/,
  ],
  [
    'a bad JSONL line after blank lines',
    () => finetune('--data', path('blank.jsonl')),
    2,
    /^lorafa finetune: .*blank\.jsonl:6: not valid JSON$/,
  ],
  [
    '--batch 100000',
    () => finetune('--data', ws.text, '--batch', '100000'),
    2,
    /^lorafa finetune: --batch must be an integer ≥ 1 and ≤ 4096, got '100000'$/,
  ],
  [
    '--seed 4294967296',
    () => finetune('--data', ws.text, '--seed', '4294967296'),
    2,
    /^lorafa finetune: --seed must be an integer ≥ 0 and ≤ 4294967295, got '4294967296'$/,
  ],
  [
    '--seed 1e308',
    () => finetune('--data', ws.text, '--seed', '1e308'),
    2,
    /--seed must be an integer ≥ 0 and ≤ 4294967295, got '1e308'$/,
  ],
  [
    '--rank 100000',
    () => finetune('--data', ws.text, '--rank', '100000'),
    2,
    /^lorafa finetune: --rank must be an integer ≥ 1 and ≤ 65536, got '100000'$/,
  ],
  [
    '--rank 1000 on a 16-wide model',
    () => finetune('--data', ws.text, '--rank', '1000'),
    2,
    /^lorafa finetune: --rank 1000 exceeds 16, the smaller dimension of transformer\.h\.0\.attn\.c_attn \(16 x 48\)/,
  ],
  [
    'memory --rank 100000',
    () => ['memory', '--model', 'gpt2', '--rank', '100000'],
    2,
    /^lorafa memory: --rank 100000 exceeds 768, the smallest dimension of gpt2's adapted linears; a rank above it adds nothing$/,
  ],
  ['replay of a folder', () => ['replay', ws.dir], 2, /^lorafa replay: .* is a folder, expected a fixture file$/],
  ['a JSONL corpus with a byte-order mark', () => finetune('--data', path('bom.jsonl'), '--out', path('bom')), 0, /^$/],
  [
    'binary garbage as a .txt corpus',
    () => finetune('--data', path('garbage.txt'), '--out', path('garbage')),
    0,
    /^warning: .*garbage\.txt is not valid UTF-8: \d+ bytes were replaced by U\+FFFD$/,
  ],
  [
    'a stale lock of a dead process',
    () => finetune('--data', ws.text, '--out', path('stale')),
    0,
    /taking over .*stale\/\.lock: process 2147483646 that held it is no longer running/,
  ],
];

describe('lorafa misuse: exit code, first line of stderr, peak RSS', () => {
  it.each(CASES.map((c, i) => [...c, i] as const))('%s', (_, args, code, firstLine, i) => {
    const result = results[i]!;
    expect(result.code, `stderr: ${result.stderr.slice(0, 600)}`).toBe(code);
    expect(result.firstErrorLine).toMatch(firstLine);
    if (code === 2 && args().length) expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.peakRssBytes).toBeLessThan(400 * MiB);
  });
});

describe('the error contract in every --help, and splits', () => {
  it('every command states the exit codes in its --help', async () => {
    for (const command of ['compare', 'finetune', 'pretrain', 'memory', 'replay']) {
      const out: string[] = [];
      expect(await runCli([command, '--help'], { out: (l) => out.push(l), err: () => {} })).toBe(0);
      expect(out.join('\n')).toMatch(/Exit status: 0 success; 1 a numerical failure .*; 2 bad input/s);
    }
  });

  it('held-out and training records are disjoint and together all records, for every size', () => {
    for (let n = 2; n <= 40; n++) {
      const texts = Array.from({ length: n }, (_, i) => `record-${i}`);
      const { train, heldOut } = splitRecords(texts, 'x.jsonl');
      const [trainSet, heldOutSet] = [train.split('\n\n'), heldOut.split('\n\n')];
      expect(heldOutSet.length).toBeGreaterThan(0);
      expect(trainSet.filter((t) => heldOutSet.includes(t))).toEqual([]);
      expect([...trainSet, ...heldOutSet].sort()).toEqual([...texts].sort());
    }
  });
});
