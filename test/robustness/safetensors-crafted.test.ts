/**
 * Hostile and malformed weight files: every crafted safetensors file is refused with an error
 * naming the file and the problem, in the library and through the CLI (exit 2, bounded memory);
 * a crafted config.json is refused before any model is built.
 */
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from '@lorafa/nn';
import { loadGpt2, readSafetensorsFile } from '@lorafa/nn/node';
import { craft, CRAFTED } from './support/crafted-safetensors.js';
import { MiB, runLorafa } from './support/cli.js';
import type { Workspace } from './support/workspace.js';
import { makeWorkspace } from './support/workspace.js';

let ws: Workspace;
beforeAll(async () => {
  ws = await makeWorkspace('crafted');
}, 60_000);
afterAll(() => ws.remove());

describe('crafted safetensors files', () => {
  it.each(CRAFTED)('$name: refused, naming the file and the problem', ({ bytes, problem }) => {
    const path = join(ws.dir, 'crafted.safetensors');
    writeFileSync(path, bytes);
    expect(() => readSafetensorsFile(path)).toThrow(SafetensorsError);
    expect(() => readSafetensorsFile(path)).toThrow(new RegExp(`^${path}: .*${problem.source}`));
    expect(() => parseSafetensors(bytes, 'mem')).toThrow(problem);
  });

  it('keeps a key named __proto__ as a key, and the GPT-2 loader reports it as unexpected', () => {
    const weights = readSafetensorsFile(join(ws.base, 'model.safetensors')).tensors;
    const bytes = serializeSafetensors({ ...weights, ['__proto__']: T.tensor([1, 2]) });
    const parsed = parseSafetensors(bytes);
    expect(Object.keys(parsed.tensors)).toContain('__proto__');
    expect(Object.getPrototypeOf(parsed.tensors)).toBe(null);
    const folder = join(ws.dir, 'proto-model');
    mkdirSync(folder, { recursive: true });
    copyFileSync(join(ws.base, 'config.json'), join(folder, 'config.json'));
    writeFileSync(join(folder, 'model.safetensors'), bytes);
    expect(() => loadGpt2(folder)).toThrow(/unexpected keys: __proto__/);
  });

  it('a 5 GB sparse file whose header describes one small tensor: refused at once, in bounded memory', async () => {
    const path = join(ws.dir, 'sparse.safetensors');
    const head = craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
    const fd = openSync(path, 'w');
    writeSync(fd, head);
    closeSync(fd);
    const size = 5 * 2 ** 30;
    const { truncateSync } = await import('node:fs');
    truncateSync(path, size); // sparse: takes no disk space
    try {
      expect(() => readSafetensorsFile(path)).toThrow(`${size - head.length} trailing bytes after the last tensor`);
      const child = await runLorafa(['replay', path]);
      expect(child.code).toBe(2);
      expect(child.firstErrorLine).toMatch(
        /^lorafa replay: .*sparse\.safetensors: \d+ trailing bytes after the last tensor/,
      );
      expect(child.peakRssBytes).toBeLessThan(400 * MiB);
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('a corrupt weights file in a model folder: exit 2 with one line', async () => {
    const folder = join(ws.dir, 'corrupt-model');
    mkdirSync(folder, { recursive: true });
    copyFileSync(join(ws.base, 'config.json'), join(folder, 'config.json'));
    copyFileSync(join(ws.base, 'tokenizer_config.json'), join(folder, 'tokenizer_config.json'));
    const bytes = readFileSync(join(ws.base, 'model.safetensors'));
    writeFileSync(join(folder, 'model.safetensors'), bytes.subarray(0, bytes.length - 5));
    const child = await runLorafa(['finetune', '--model', folder, '--data', ws.text, '--out', join(ws.dir, 'o')]);
    expect(child.code).toBe(2);
    expect(child.firstErrorLine).toMatch(/^lorafa finetune: .*model\.safetensors: .*data_offsets .* fall outside/);
    expect(child.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('crafted config.json', () => {
  const folderWith = (name: string, change: Record<string, unknown>) => {
    const folder = join(ws.dir, name);
    mkdirSync(folder, { recursive: true });
    const config = JSON.parse(readFileSync(join(ws.base, 'config.json'), 'utf8'));
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, ...change }));
    for (const file of ['model.safetensors', 'tokenizer_config.json'])
      copyFileSync(join(ws.base, file), join(folder, file));
    return folder;
  };

  it.each([
    [
      'n_positions 4000000',
      { n_positions: 4_000_000 },
      /n_positions must be an integer from 1 to 1048576, got 4000000/,
    ],
    ['vocab_size 2e9', { vocab_size: 2e9 }, /vocab_size must be an integer from 1 to 4194304, got 2000000000/],
    [
      'n_positions 100000 (within limits, not the weights)',
      { n_positions: 100_000 },
      /wrong shapes: transformer\.wpe\.weight \(expected \[100000, 16\], got \[32, 16\]\)/,
    ],
    ['layer_norm_epsilon 0', { layer_norm_epsilon: 0 }, /layer_norm_epsilon must be a number in \(0, 1\), got 0/],
    ['n_head 3', { n_head: 3 }, /n_embd 16 is not divisible by n_head 3/],
    ['n_layer 2.5', { n_layer: 2.5 }, /n_layer must be an integer from 1 to 1024, got 2\.5/],
  ])('%s: refused before a model is built', (name, change, problem) => {
    expect(() => loadGpt2(folderWith(name.replace(/\W+/g, '-'), change))).toThrow(problem);
  });

  it('through the CLI: exit 2, the field named on the first line, in bounded memory', async () => {
    const folder = folderWith('huge-positions', { n_positions: 500_000 });
    const child = await runLorafa(['finetune', '--model', folder, '--data', ws.text, '--out', join(ws.dir, 'o2')]);
    expect(child.code).toBe(2);
    expect(child.firstErrorLine).toMatch(
      /^lorafa finetune: .*model\.safetensors does not fit the GPT-2 of .*config\.json: wrong shapes: transformer\.wpe\.weight/,
    );
    expect(child.peakRssBytes).toBeLessThan(400 * MiB);
  });
});
