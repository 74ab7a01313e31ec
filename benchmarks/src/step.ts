/**
 * npm run bench:step [-- --json] [-- --quick] [-- --rounds N]
 *
 * One training step — forward, backward, optimizer — of the same small GPT-2 (4 layers,
 * n_embd 256, 4 heads, sequence 128, batch 8, byte vocabulary 257) under Full-FT, LoRA and
 * LoRA-FA (r 16 on c_attn, attn.c_proj, c_fc, mlp.c_proj), in lorafa-ts and in an equivalent
 * tfjs model on tfjs-backend-cpu and tfjs-backend-wasm, side by side in one process.
 *
 * lorafa-ts's three methods run interleaved, one step each per round (the order rotating), so
 * that drift on a shared machine hits them alike; the LoRA-FA / LoRA ratio is the median of the
 * per-round ratios. Reports tokens/s (median step), ratios, and the storage lorafa-ts allocates
 * per step: new, and reused from released buffers.
 */
import * as tf from '@tensorflow/tfjs'; // the union package registers the gradients minimize needs
import '@tensorflow/tfjs-backend-wasm';
import * as T from '@lorafa/tensor';
import type { StepShape } from './step-lorafa.js';
import { lorafaStep } from './step-lorafa.js';
import { tfjsStep } from './step-tfjs.js';
import { machine, measure } from './timing.js';

const METHODS = ['full', 'lora', 'lora-fa'] as const;
type Method = (typeof METHODS)[number];
type Implementation = 'lorafa' | 'tfjsCpu' | 'tfjsWasm';

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface LorafaResult {
  stepMs: number[];
  loss: number;
  allocatedBytesPerStep: number;
  reusedBytesPerStep: number;
}

/** Warms each method up, then runs `rounds` rounds of one step per method, rotating the order. */
function timeLorafa(shape: StepShape, rounds: number, log: (line: string) => void): Record<Method, LorafaResult> {
  const backend = T.getBackend();
  const steps = Object.fromEntries(METHODS.map((m) => [m, lorafaStep(shape, m)])) as Record<Method, () => number>;
  const fresh = (): LorafaResult => ({ stepMs: [], loss: NaN, allocatedBytesPerStep: 0, reusedBytesPerStep: 0 });
  const results: Record<Method, LorafaResult> = { full: fresh(), lora: fresh(), 'lora-fa': fresh() };
  for (const m of METHODS) steps[m]();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < METHODS.length; i++) {
      const m = METHODS[(round + i) % METHODS.length]!;
      const [allocated, reused] = [backend.allocatedBytes?.() ?? NaN, backend.reusedBytes?.() ?? NaN];
      const start = performance.now();
      results[m].loss = steps[m]();
      results[m].stepMs.push(performance.now() - start);
      results[m].allocatedBytesPerStep += ((backend.allocatedBytes?.() ?? NaN) - allocated) / rounds;
      results[m].reusedBytesPerStep += ((backend.reusedBytes?.() ?? NaN) - reused) / rounds;
    }
    log(
      `  lorafa round ${round + 1}/${rounds}: ${METHODS.map((m) => `${m} ${results[m].stepMs[round]!.toFixed(0)} ms`).join(', ')}`,
    );
  }
  return results;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  if (json) console.log = console.warn = console.info = (...a: unknown[]) => console.error(...a);
  const quick = args.includes('--quick');
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 7;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds expects a positive integer, got '${args[roundsAt + 1]}'`);
  const shape: StepShape = quick
    ? { layers: 2, embd: 64, heads: 4, vocab: 257, seq: 32, batch: 4, rank: 4 }
    : { layers: 4, embd: 256, heads: 4, vocab: 257, seq: 128, batch: 8, rank: 16 };
  const tokens = shape.batch * shape.seq;
  const log = (line: string) => console.log(line);
  log(
    `one training step, ${JSON.stringify(shape)}, lorafa on ${T.getNumThreads()} thread(s), ${JSON.stringify(machine())}`,
  );

  const ours = timeLorafa(shape, rounds, log);
  const rows: {
    method: Method;
    tokensPerSecond: Record<Implementation, number>;
    loss: Record<Implementation, number>;
    lorafaAllocatedBytesPerStep: number;
    lorafaReusedBytesPerStep: number;
    lorafaSteps: number;
  }[] = [];
  for (const method of METHODS) {
    const tokensPerSecond = { lorafa: tokens / (median(ours[method].stepMs) / 1000) } as Record<Implementation, number>;
    const loss = { lorafa: ours[method].loss } as Record<Implementation, number>;
    for (const [key, name] of [
      ['tfjsCpu', 'cpu'],
      ['tfjsWasm', 'wasm'],
    ] as const) {
      await tf.setBackend(name);
      await tf.ready();
      const theirs = tfjsStep(shape, method);
      let last = NaN;
      tokensPerSecond[key] =
        tokens /
        ((
          await measure(
            () => {
              last = theirs.step();
            },
            { budgetMs: 0, minRuns: name === 'cpu' ? 2 : 3, warmup: 1 },
          )
        ).medianMs /
          1000);
      loss[key] = last;
      theirs.dispose();
    }
    rows.push({
      method,
      tokensPerSecond,
      loss,
      lorafaAllocatedBytesPerStep: ours[method].allocatedBytesPerStep,
      lorafaReusedBytesPerStep: ours[method].reusedBytesPerStep,
      lorafaSteps: rounds,
    });
    const t = tokensPerSecond;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    log(
      `${method.padEnd(8)} tokens/s: lorafa ${t.lorafa.toFixed(0)} (new ${mib(ours[method].allocatedBytesPerStep)} MiB + reused ${mib(ours[method].reusedBytesPerStep)} MiB per step), ` +
        `tfjs-cpu ${t.tfjsCpu.toFixed(0)}, tfjs-wasm ${t.tfjsWasm.toFixed(0)} | lorafa/tfjs-cpu ${(t.lorafa / t.tfjsCpu).toFixed(2)}x, lorafa/tfjs-wasm ${(t.lorafa / t.tfjsWasm).toFixed(2)}x`,
    );
  }
  // LoRA-FA over LoRA, round by round (each round ran both back to back).
  const perRound = ours.lora.stepMs.map((loraMs, i) => loraMs / ours['lora-fa'].stepMs[i]!);
  const faOverLora = median(perRound);
  log(
    `lorafa-ts: LoRA-FA / LoRA step throughput ${faOverLora.toFixed(2)}x (median of ${rounds} rounds; range ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`,
  );
  if (json)
    process.stdout.write(
      `${JSON.stringify({ shape, rounds, methods: rows, loraFaOverLora: faOverLora, loraFaOverLoraPerRound: perRound, lorafaThreads: T.getNumThreads(), machine: machine(), date: new Date().toISOString() })}\n`,
    );
}

main().catch((error: unknown) => {
  console.error(`bench:step failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
