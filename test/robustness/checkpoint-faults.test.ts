/**
 * Crash safety of checkpoints: a fault at every file-system operation of a checkpoint write
 * (each write, fsync, close, rename, removal) leaves a state from which --resume continues
 * from the last complete checkpoint and finishes bit-identical to an uninterrupted run; the
 * process killed (SIGKILL) mid-write and right after the commit, then resumed by the CLI, too.
 * A divergence writes nothing new and names the checkpoint it keeps.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '@lorafa/nn';
import { loadGpt2 } from '@lorafa/nn/node';
import { trainingOptions } from '../../packages/cli/src/training/flags.js';
import { latestCheckpoint } from '../../packages/cli/src/training/checkpoint.js';
import { train } from '../../packages/cli/src/training/trainer.js';
import { faultyFs } from './support/faulty-fs.js';
import type { ChildResult, TableResult } from './support/cli.js';
import { MiB, runLorafaTable, runNode } from './support/cli.js';
import { runCli } from '../../packages/cli/src/main.js';
import type { Workspace } from './support/workspace.js';
import { makeWorkspace, TINY_RUN } from './support/workspace.js';

let ws: Workspace;
beforeAll(async () => {
  ws = await makeWorkspace('faults');
}, 60_000);
afterAll(() => ws.remove());

describe('a fault at every operation of a checkpoint write (in process)', () => {
  const options = () =>
    trainingOptions(
      'test',
      new Map<string, string | true>([
        ['steps', '2'],
        ['checkpoint-every', '1'],
        ['batch', '2'],
        ['seq', '16'],
        ['rank', '2'],
        ['eval-batches', '1'],
      ]),
    );
  const corpus = () => {
    const text = readFileSync(ws.text, 'utf8');
    return { name: ws.text, train: text, heldOut: text.slice(0, 400), warnings: [] };
  };
  const run = (out: string, extra: Partial<Parameters<typeof train>[0]> = {}) =>
    train({
      model: loadGpt2(ws.base),
      tokenizer: new ByteTokenizer(),
      corpus: corpus(),
      options: options(),
      out,
      ...extra,
    });
  const weights = (result: Awaited<ReturnType<typeof train>>) => result.adapters.map((a) => [...a.B.value.dataSync()]);

  it('resumes from the newest complete checkpoint and ends bit-identical', async () => {
    const counting = faultyFs(Infinity, 'throw');
    const straight = await run(join(ws.dir, 'straight'), { checkpointFs: counting });
    const total = counting.operations.length;
    expect(counting.operations.filter((o) => o.startsWith('renameSync'))).toHaveLength(2); // two commits
    // every operation of the second write (the first leaves nothing to resume, checked below)
    const firstWrite = counting.operations.findIndex((o, i) => i > 0 && o.startsWith('mkdirSync'));
    const commit = counting.operations.map((o) => o.startsWith('renameSync')).lastIndexOf(true) + 1;
    for (let k = firstWrite + 1; k <= total; k++) {
      const out = join(ws.dir, `fault-${k}`);
      await expect(run(out, { checkpointFs: faultyFs(k, 'throw') }), counting.operations[k - 1]).rejects.toThrow(
        /injected fault/,
      );
      const latest = latestCheckpoint(out);
      expect(latest?.step, `fault at ${counting.operations[k - 1]}`).toBe(k <= commit ? 1 : 2);
      const resumed = await run(out, { resume: true });
      expect(weights(resumed), `fault at ${counting.operations[k - 1]}`).toEqual(weights(straight));
      expect(resumed.history.losses).toEqual(straight.history.losses);
    }
  });

  it('a fault during the first write leaves no checkpoint, and --resume says so', async () => {
    const out = join(ws.dir, 'first-fault');
    await expect(run(out, { checkpointFs: faultyFs(5, 'throw') })).rejects.toThrow(/injected fault/);
    expect(latestCheckpoint(out)).toBe(null);
    await expect(run(out, { resume: true })).rejects.toThrow(/--resume: no complete checkpoint in/);
  });
});

describe('killed with SIGKILL during a checkpoint write, resumed by the CLI', () => {
  const args = (out: string) => [
    'finetune',
    '--model',
    ws.base,
    '--data',
    ws.text,
    '--steps',
    '4',
    '--checkpoint-every',
    '2',
    ...TINY_RUN,
    '--out',
    out,
  ];
  const adapter = (out: string) => readFileSync(join(out, 'adapter', 'adapter_model.safetensors'));
  // operation numbers as listed by the counting layer: 25 mkdir of the second write, 30 open of
  // its second file, 45 the commit (rename), 49 unlink of the old checkpoint's manifest
  const KILLS = [
    ['mid-write of the second checkpoint (after its first file)', 30],
    ['right after the second commit, before the old checkpoint is removed', 49],
  ] as const;
  let results: TableResult[];
  const crashes: ChildResult[] = [];

  beforeAll(async () => {
    crashes.push(
      ...(await Promise.all(
        KILLS.map(([, k]) =>
          runNode(join(__dirname, 'support', 'crash-at.ts'), [
            String(k),
            ...args(join(ws.dir, `killed-${k}`)).slice(1),
          ]),
        ),
      )),
    );
    results = await runLorafaTable([
      args(join(ws.dir, 'cli-straight')),
      ...KILLS.map(([, k]) => [...args(join(ws.dir, `killed-${k}`)), '--resume']),
    ]);
  }, 120_000);

  it.each(KILLS.map((c, i) => [...c, i] as const))('%s', (_, k, i) => {
    const out = join(ws.dir, `killed-${k}`);
    expect(crashes[i]!.signal).toBe('SIGKILL');
    expect(results[0]!.code).toBe(0);
    const resumed = results[i + 1]!;
    expect(resumed.code, resumed.stderr).toBe(0);
    // the killed process left its lock and, killed mid-write, its temporary folder
    expect(resumed.firstErrorLine).toMatch(/^taking over .*\.lock: process \d+ that held it is no longer running$/);
    expect(resumed.stderr.includes('removed 1 unfinished checkpoint folder')).toBe(k === 30);
    expect(readdirSync(out).filter((f) => f.startsWith('.checkpoint-') || f === '.lock')).toEqual([]);
    expect(adapter(out).equals(adapter(join(ws.dir, 'cli-straight')))).toBe(true);
    expect(resumed.peakRssBytes).toBeLessThan(400 * MiB);
  });
});

describe('divergence', () => {
  const cli = async (...args: string[]) => {
    const err: string[] = [];
    const out: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('writes nothing new, names the checkpoint it keeps, and --resume with a lower --lr continues from it', async () => {
    const out = join(ws.dir, 'diverge');
    const base = ['finetune', '--model', ws.base, '--data', ws.text, ...TINY_RUN, '--checkpoint-every', '2'];
    expect((await cli(...base, '--out', out, '--steps', '2', '--lr', '1e-3')).code).toBe(0);
    const adapterBefore = readFileSync(join(out, 'adapter', 'adapter_model.safetensors'));
    const metricsBefore = readFileSync(join(out, 'metrics.json'));
    const diverged = await cli(...base, '--out', out, '--steps', '4', '--lr', '1e30', '--resume');
    expect(diverged.code).toBe(1);
    expect(diverged.out).toBe('');
    expect(diverged.err).toMatch(
      /^lorafa finetune: loss became (NaN|Infinity) at step 4; the run stopped before updating and wrote nothing new; the last good checkpoint, .*checkpoint-000002, holds step 2: continue from it with --resume and a lower --lr$/,
    );
    expect(readFileSync(join(out, 'adapter', 'adapter_model.safetensors')).equals(adapterBefore)).toBe(true);
    expect(readFileSync(join(out, 'metrics.json')).equals(metricsBefore)).toBe(true);
    expect(readdirSync(out).filter((f) => f.startsWith('checkpoint-'))).toEqual(['checkpoint-000002']);
    const recovered = await cli(...base, '--out', out, '--steps', '4', '--lr', '1e-3', '--resume');
    expect(recovered.code, recovered.err).toBe(0);
    const straight = join(ws.dir, 'diverge-straight');
    expect((await cli(...base, '--out', straight, '--steps', '4', '--lr', '1e-3')).code).toBe(0);
    expect(
      readFileSync(join(out, 'adapter', 'adapter_model.safetensors')).equals(
        readFileSync(join(straight, 'adapter', 'adapter_model.safetensors')),
      ),
    ).toBe(true);
  });
});
