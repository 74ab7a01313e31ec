/**
 * --resume cannot silently change the run: a checkpoint records what the run depends on, and
 * a resume with another model, other data, or another trajectory-shaping option is refused
 * naming the field, the old and the new value. Altered checkpoint files (a flipped bit, a
 * state.json with a wrong field) are refused naming file and field. The options that may
 * change do. Each case runs in a child process (one for the table) with its peak RSS bounded.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { serializeSafetensors } from '@lorafa/nn';
import { readSafetensorsFile } from '@lorafa/nn/node';
import { runCli } from '../../packages/cli/src/main.js';
import { FINETUNE_HELP } from '../../packages/cli/src/commands/finetune.js';
import type { TableResult } from './support/cli.js';
import { MiB, runLorafaTable } from './support/cli.js';
import type { Workspace } from './support/workspace.js';
import { makeWorkspace, TINY_RUN } from './support/workspace.js';

let ws: Workspace;
let results: TableResult[];
const path = (name: string) => join(ws.dir, name);
const CHECKPOINT = 'checkpoint-000002';

async function cli(...args: string[]): Promise<number> {
  return runCli(args, { out: () => {}, err: () => {} });
}

/** finetune of the tiny model into OUT with DATA, 2 steps, checkpoint at step 2. */
const finetune = (out: string, data: string, ...extra: string[]) => [
  'finetune',
  '--model',
  ws.base,
  '--data',
  data,
  '--steps',
  '2',
  ...TINY_RUN,
  '--out',
  out,
  ...extra,
];

/** A copy of the run's folder with its state.json changed (and the manifest's hash updated to match). */
function withState(name: string, change: (state: Record<string, unknown>) => string): string {
  const out = path(name);
  cpSync(path('run'), out, { recursive: true });
  const folder = join(out, CHECKPOINT);
  const text = change(JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8')));
  writeFileSync(join(folder, 'state.json'), text);
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
  manifest.files['state.json'] = createHash('sha256').update(text).digest('hex');
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
  return out;
}

/** [what, arguments, exit code, first line of stderr] */
type Case = [string, () => string[], number, RegExp];
const CASES: Case[] = [
  [
    'other --data',
    () => finetune(path('run'), path('other.txt'), '--resume'),
    2,
    /belongs to a different run: data\.source \(--data\) was .*data\.txt, now .*other\.txt; data\.trainTokensSha256/,
  ],
  [
    'the same --data file with other contents',
    () => finetune(path('run-edited'), path('edited.txt'), '--resume'),
    2,
    /belongs to a different run: data\.trainTokensSha256 \(--data \(its training text\)\) was [0-9a-f]{16}…, now [0-9a-f]{16}…/,
  ],
  [
    'a --model whose weights changed',
    () => [...finetune(path('run'), path('data.txt'), '--resume'), '--model', path('base-edited')],
    2,
    /belongs to a different run: model\.weightsSha256 \(--model \(its model\.safetensors\)\) was [0-9a-f]{16}…, now [0-9a-f]{16}…\. Only --steps, --lr/,
  ],
  [
    '--rank 4',
    () => finetune(path('run'), path('data.txt'), '--resume', '--rank', '4'),
    2,
    /: rank \(--rank\) was 2, now 4; alpha \(--alpha\) was 4, now 8\./,
  ],
  [
    '--seed 1',
    () => finetune(path('run'), path('data.txt'), '--resume', '--seed', '1'),
    2,
    /: seed \(--seed\) was 0, now 1\./,
  ],
  [
    '--method lora',
    () => finetune(path('run'), path('data.txt'), '--resume', '--method', 'lora'),
    2,
    /: method \(--method\) was lora-fa, now lora\./,
  ],
  [
    '--no-correction',
    () => finetune(path('run'), path('data.txt'), '--resume', '--no-correction'),
    2,
    /: correction \(--no-correction\) was true, now false\./,
  ],
  [
    '--batch 3',
    () => finetune(path('run'), path('data.txt'), '--resume', '--batch', '3'),
    2,
    /: batch \(--batch\) was 2, now 3\./,
  ],
  [
    '--steps below the checkpoint',
    () => finetune(path('run'), path('data.txt'), '--resume', '--steps', '1'),
    2,
    /--resume: --steps 1 is below the checkpoint's step 2/,
  ],
  [
    'a flipped bit in trainable.safetensors',
    () => finetune(path('flipped'), path('data.txt'), '--resume'),
    2,
    /trainable\.safetensors: SHA-256 [0-9a-f]{16}… differs from [0-9a-f]{16}… in manifest\.json; the file was altered or damaged$/,
  ],
  [
    'state.json step "x"',
    () => finetune(path('step-x'), path('data.txt'), '--resume'),
    2,
    /state\.json: step must be an integer from 1 to 2, got "x"$/,
  ],
  [
    'state.json step 1000',
    () => finetune(path('step-1000'), path('data.txt'), '--resume'),
    2,
    /state\.json: step must be an integer from 1 to 2, got 1000$/,
  ],
  [
    'state.json step -5',
    () => finetune(path('step-minus'), path('data.txt'), '--resume'),
    2,
    /state\.json: step must be an integer from 1 to 2, got -5$/,
  ],
  [
    'state.json without samplerState',
    () => finetune(path('no-sampler'), path('data.txt'), '--resume'),
    2,
    /state\.json: samplerState must be a list, got nothing$/,
  ],
  [
    'a truncated state.json',
    () => finetune(path('truncated'), path('data.txt'), '--resume'),
    2,
    /state\.json: not valid JSON \(/,
  ],
  [
    '--steps, --lr, --eval-every and --checkpoint-every may change',
    () =>
      finetune(
        path('extended'),
        path('data.txt'),
        '--resume',
        '--steps',
        '3',
        '--lr',
        '1e-3',
        '--eval-every',
        '1',
        '--checkpoint-every',
        '1',
      ),
    0,
    /^$/,
  ],
];

beforeAll(async () => {
  ws = await makeWorkspace('resume');
  const text = readFileSync(ws.text, 'utf8');
  writeFileSync(path('data.txt'), text);
  writeFileSync(path('other.txt'), text.toUpperCase());
  writeFileSync(path('edited.txt'), text);
  expect(await cli(...finetune(path('run'), path('data.txt')))).toBe(0);
  expect(await cli(...finetune(path('run-edited'), path('edited.txt')))).toBe(0);
  writeFileSync(path('edited.txt'), text.replace('quick', 'quack'));
  cpSync(ws.base, path('base-edited'), { recursive: true });
  const weights = readSafetensorsFile(join(ws.base, 'model.safetensors')).tensors;
  weights['transformer.ln_f.bias'] = T.full([16], 0.5);
  writeFileSync(path('base-edited/model.safetensors'), serializeSafetensors(weights, { format: 'pt' }));
  cpSync(path('run'), path('flipped'), { recursive: true });
  const trainable = readFileSync(path(`flipped/${CHECKPOINT}/trainable.safetensors`));
  trainable[trainable.length - 3]! ^= 0x10;
  writeFileSync(path(`flipped/${CHECKPOINT}/trainable.safetensors`), trainable);
  withState('step-x', (s) => JSON.stringify({ ...s, step: 'x' }));
  withState('step-1000', (s) => JSON.stringify({ ...s, step: 1000 }));
  withState('step-minus', (s) => JSON.stringify({ ...s, step: -5 }));
  withState('no-sampler', (s) => JSON.stringify({ ...s, samplerState: undefined }));
  withState('truncated', (s) => JSON.stringify(s).slice(0, 100));
  cpSync(path('run'), path('extended'), { recursive: true });
  results = await runLorafaTable(CASES.map(([, args]) => args()));
}, 120_000);
afterAll(() => ws.remove());

describe('lorafa finetune --resume: exit code, first line of stderr, peak RSS', () => {
  it.each(CASES.map((c, i) => [...c, i] as const))('%s', (_, _args, code, firstLine, i) => {
    const result = results[i]!;
    expect(result.code, `stderr: ${result.stderr.slice(0, 600)}`).toBe(code);
    expect(result.firstErrorLine).toMatch(firstLine);
    if (code === 2) expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.peakRssBytes).toBeLessThan(400 * MiB);
  });

  it('the resume that changed only those options continued to step 3', () => {
    expect(readdirSync(path('extended')).filter((f) => f.startsWith('checkpoint-'))).toEqual(['checkpoint-000003']);
    expect(results.at(-1)!.stdout).toMatch(/^lora-fa: held-out loss \d/);
  });

  it('--help lists the options that may change on resume', () => {
    expect(FINETUNE_HELP).toMatch(
      /Options that may change on resume:\n\s+--steps .*\n\s+--lr .*\n\s+--eval-every, --eval-batches, --checkpoint-every/,
    );
  });
});
