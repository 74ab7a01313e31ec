/**
 * The `lorafa` commands end to end on a tiny model pretrained in the test: memory, pretrain,
 * finetune (progress, checkpoints, bit-exact resume, NaN stop, PEFT adapter), compare.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { ByteTokenizer, serializeSafetensors } from '@lorafa/nn';
import { loadGpt2, readSafetensorsFile } from '@lorafa/nn/node';
import { runCli } from '../packages/cli/src/main.js';
import { trainingOptions } from '../packages/cli/src/training/flags.js';
import { train } from '../packages/cli/src/training/trainer.js';
import { untag } from '../packages/cli/src/data/brown.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const work = mkdtempSync(join(tmpdir(), 'lorafa-cli-'));
const text = join(work, 'corpus.txt');
const base = join(work, 'base');
const tiny = ['--embd', '16', '--layers', '1', '--heads', '2', '--positions', '32', '--batch', '2', '--seq', '16'];

beforeAll(async () => {
  const sentence = 'The quick brown fox jumps over the lazy dog while the cat sleeps in the sun. ';
  writeFileSync(text, sentence.repeat(40));
  const result = await cli(
    'pretrain',
    '--data',
    text,
    '--out',
    base,
    '--steps',
    '3',
    '--eval-batches',
    '1',
    ...tiny,
    '--json',
  );
  expect(result.code).toBe(0);
}, 60_000);

describe('lorafa memory', () => {
  it("prints the paper's Llama2-7B comparison, as text and JSON", async () => {
    const text = await cli('memory', '--model', 'llama2-7b', '--batch', '8', '--seq', '1024', '--rank', '64');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/LoRA-FA saves 18\.66 GB of activations over LoRA/);
    const json = JSON.parse((await cli('memory', '--model', 'llama2-7b', '--json')).out);
    const [lora, fa] = ['lora', 'lora-fa'].map((m) => json.methods.find((r: { method: string }) => r.method === m));
    expect(lora.activations - fa.activations).toBeGreaterThanOrEqual(18e9);
    for (const row of json.methods)
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['method', 'weights', 'grads', 'optimizer', 'activations', 'total']),
      );
  });

  it('reads a Hugging Face config folder and rejects bad options in one line', async () => {
    expect((await cli('memory', '--model', base, '--seq', '32', '--rank', '8', '--json')).code).toBe(0);
    expect(await cli('memory', '--model', 'gpt5')).toMatchObject({ code: 2 });
    expect((await cli('memory', '--model', base, '--rank', '64')).err).toMatch(/--rank 64 exceeds 16/);
    expect((await cli('memory', '--model', 'gpt2', '--batch', '0')).err).toBe(
      "lorafa memory: --batch must be an integer ≥ 1 and ≤ 1048576, got '0'",
    );
    expect((await cli('memory', '--model', 'gpt2', '--dtype', '8')).err).toMatch(/--dtype must be one of 16, 32/);
    expect((await cli('memory')).err).toMatch(/--model is required/);
  });
});

describe('lorafa pretrain', () => {
  it('saves a Hugging Face folder with a byte tokenizer', () => {
    expect(readdirSync(base).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer_config.json',
      'training.json',
    ]);
    expect(JSON.parse(readFileSync(join(base, 'config.json'), 'utf8'))).toMatchObject({
      n_embd: 16,
      vocab_size: 257,
      model_type: 'gpt2',
    });
  });
});

describe('lorafa finetune', () => {
  it('trains, evaluates, checkpoints and saves a PEFT adapter', async () => {
    const out = join(work, 'ft');
    const result = await cli(
      'finetune',
      '--model',
      base,
      '--data',
      text,
      '--method',
      'lora-fa',
      '--steps',
      '4',
      '--batch',
      '2',
      '--seq',
      '16',
      '--rank',
      '2',
      '--eval-batches',
      '1',
      '--out',
      out,
      '--json',
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out);
    expect(summary).toMatchObject({ method: 'lora-fa' });
    expect(summary.history.losses).toHaveLength(4);
    expect(summary.trainableParams).toBe(2 * (48 + 16 + 64 + 16)); // B (r 2) of c_attn, attn.c_proj, c_fc and mlp.c_proj ('c_proj' matches both)
    expect(readdirSync(join(out, 'adapter')).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(readdirSync(out).filter((f) => f.startsWith('checkpoint'))).toEqual(['checkpoint-000004']);
    expect(readdirSync(join(out, 'checkpoint-000004')).sort()).toEqual([
      'manifest.json',
      'optimizer.safetensors',
      'state.json',
      'trainable.safetensors',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).options.method).toBe('lora-fa');
  });

  it('resumes from a checkpoint bit for bit, optimizer state included', async () => {
    const { flags } = {
      flags: new Map<string, string | true>([
        ['steps', '5'],
        ['batch', '2'],
        ['seq', '16'],
        ['rank', '2'],
        ['eval-batches', '1'],
        ['checkpoint-every', '0'],
      ]),
    };
    const options = trainingOptions('test', flags);
    const corpus = {
      name: 'c',
      train: readFileSync(text, 'utf8'),
      heldOut: readFileSync(text, 'utf8').slice(0, 400),
      warnings: [],
    };
    const run = (out: string, extra: { stopAfter?: number; resume?: boolean }) =>
      train({ model: loadGpt2(base), tokenizer: new ByteTokenizer(), corpus, options, out, ...extra });
    const straight = await run(join(work, 'straight'), {});
    await run(join(work, 'interrupted'), { stopAfter: 2 });
    const resumed = await run(join(work, 'interrupted'), { resume: true });
    expect(resumed.history.losses.map((l) => l.loss)).toEqual(straight.history.losses.map((l) => l.loss));
    resumed.adapters.forEach((a, i) => expect(a.B.value.dataSync()).toEqual(straight.adapters[i]!.B.value.dataSync()));
  });

  it('stops on a NaN loss with a clear message, keeping the last good checkpoint', async () => {
    const poisoned = join(work, 'poisoned');
    await cli('pretrain', '--data', text, '--out', poisoned, '--steps', '1', '--eval-batches', '1', ...tiny);
    const { tensors } = readSafetensorsFile(join(poisoned, 'model.safetensors'));
    tensors['transformer.ln_f.weight'] = T.full([16], NaN);
    writeFileSync(join(poisoned, 'model.safetensors'), serializeSafetensors(tensors));
    const result = await cli(
      'finetune',
      '--model',
      poisoned,
      '--data',
      text,
      '--steps',
      '3',
      '--batch',
      '2',
      '--seq',
      '16',
      '--eval-batches',
      '1',
      '--out',
      join(work, 'nan'),
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /loss became NaN at step 1; the run stopped before updating and wrote nothing new; no checkpoint was written before it/,
    );
    expect(readdirSync(join(work, 'nan'))).toEqual([]);
  });

  it('rejects bad input in one line', async () => {
    expect((await cli('finetune', '--model', base, '--data', 'brown:poetry')).err).toMatch(
      /unknown corpus 'brown:poetry'/,
    );
    expect((await cli('finetune', '--model', join(work, 'none'))).err).toMatch(/not a model folder \(no such folder\)/);
    expect((await cli('finetune', '--model', base, '--method', 'dora')).err).toMatch(
      /--method must be one of full, lora, lora-fa, lora-fb/,
    );
    expect((await cli('finetune', '--model', base, '--data', text, '--seq', '999')).err).toMatch(
      /--seq 999 exceeds the model's n_positions 32/,
    );
    expect(
      (await cli('finetune', '--model', base, '--data', text, '--seq', '16', '--resume', '--out', join(work, 'empty')))
        .err,
    ).toMatch(/--resume: no complete checkpoint/);
    expect((await cli('finetune', '--help')).out).toMatch(/Examples:/);
  });
});

describe('lorafa compare', () => {
  it('runs every method on the same budget and writes the table, report.json, report.md and an SVG plot', async () => {
    const out = join(work, 'compare');
    const result = await cli(
      'compare',
      '--model',
      base,
      '--data',
      text,
      '--steps',
      '2',
      '--batch',
      '2',
      '--seq',
      '16',
      '--methods',
      'lora,lora-fa',
      '--out',
      out,
      '--json',
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(report.methods.map((m: { method: string }) => m.method)).toEqual(['LoRA', 'LoRA-FA']);
    for (const m of report.methods)
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining(['method', 'trainableParams', 'evalLoss', 'savedActivationBytes', 'stepMs']),
      );
    const [lora, fa] = report.methods;
    // LoRA-FA saves no input X of an adapted linear (c_attn, attn.c_proj, c_fc, mlp.c_proj read 16, 16, 16
    // and 64 features); everything else is the same: 1 layer x (2 x 16 tokens) x 112 x 4 bytes.
    expect(lora.savedActivationBytes - fa.savedActivationBytes).toBe(1 * 32 * (16 + 16 + 16 + 64) * 4);
    expect(readFileSync(join(out, 'loss-curves.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| LoRA-FA \|/);
    expect((await cli('compare', '--methods', 'qlora')).err).toMatch(/unknown method qlora/);
    expect((await cli('compare', '--task', 'genre', '--methods', 'qlora')).err).toMatch(/unknown method qlora/);
  }, 120_000);
});

describe('Brown corpus text', () => {
  it('strips part-of-speech tags and rejoins punctuation', () => {
    expect(untag("\n\n\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ,/, 3/4/cd ./.\n")).toBe('The jury said "no", 3/4.');
  });
});
