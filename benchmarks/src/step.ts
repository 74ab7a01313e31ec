/**
 * npm run bench:step [-- --json] [-- --quick] [-- --rounds N] [-- --peers jax,tfjs-cpu,tfjs-wasm]
 *
 * One training step — forward, backward, optimizer — of the same small GPT-2 (4 layers,
 * n_embd 256, 4 heads, sequence 128, batch 8, byte vocabulary 257) under Full-FT, LoRA and
 * LoRA-FA (r 16 on c_attn, attn.c_proj, c_fc, mlp.c_proj), in lorafa-ts and in equivalent models
 * on its peers, side by side in one process: jax-js on its wasm device (the step in one `jit`),
 * tfjs on tfjs-backend-cpu and on tfjs-backend-wasm. The peers run on one thread each (jax-js
 * spreads work over Web Workers, which Node lacks; tfjs-backend-wasm is single-threaded in Node).
 *
 * lorafa-ts's three methods and jax-js's three run interleaved, one step each per round (the
 * order rotating), so that drift on a shared machine hits them alike; the LoRA-FA / LoRA ratio
 * and each lorafa / jax-js ratio are medians of per-round ratios. tfjs runs after, each method on
 * its own (tfjs-cpu takes minutes). Reports tokens/s (median step), ratios, the storage lorafa-ts
 * allocates per step (new, and reused from released buffers), and jax-js's Wasm heap after the
 * warm-up and after the rounds (equal: nothing leaked).
 *
 *   --quick        a smoke run on a tiny model (2 layers, n_embd 64, sequence 32, batch 4)
 *   --rounds N     interleaved rounds (default 7)
 *   --peers LIST   the peers to run, comma-separated, of jax, tfjs-cpu, tfjs-wasm (default all);
 *                  `--peers jax` compares lorafa-ts with jax-js alone, quickly
 *   --json         stdout carries one JSON object; everything else goes to stderr
 *   --profile      instead of the comparison: where lorafa-ts's step time goes, per method — each
 *                  kernel's time, calls and touched bytes, by category (matmul, elementwise,
 *                  reductions, gather/scatter, copy/assign, fused layers), the phases (forward,
 *                  backward, optimizer), the time outside kernels, and storage new/reused per
 *                  step (step-profile.ts); `--steps N` steps per method (default 3);
 *                  `--by-shape` keys each matmul and binary op by its operands' shapes and strides
 */
import * as tf from '@tensorflow/tfjs'; // the union package registers the gradients minimize needs
import '@tensorflow/tfjs-backend-wasm';
import * as T from '@lorafa/tensor';
import type { StepShape } from './step-lorafa.js';
import { lorafaStep } from './step-lorafa.js';
import { jaxStep, wasmMemoryBytes } from './step-jax.js';
import { tfjsStep } from './step-tfjs.js';
import { profileStep, profileTable } from './step-profile.js';
import { machine, measure, median } from './timing.js';

const METHODS = ['full', 'lora', 'lora-fa'] as const;
type Method = (typeof METHODS)[number];
type Implementation = 'lorafa' | 'tfjsCpu' | 'tfjsWasm';
const PEERS = ['jax', 'tfjs-cpu', 'tfjs-wasm'] as const;
type Peer = (typeof PEERS)[number];

interface StepOptions {
  json: boolean;
  quick: boolean;
  rounds: number;
  peers: Peer[];
  /** Steps per method to profile, or null for the comparison. */
  profileSteps: number | null;
  /** Profile keys by operand shapes (`--by-shape`). */
  byShape: boolean;
}

function parseOptions(args: readonly string[]): StepOptions {
  const flagValue = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    return at >= 0 ? (args[at + 1] ?? '') : undefined;
  };
  const roundsText = flagValue('--rounds');
  const rounds = roundsText === undefined ? 7 : Number(roundsText);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds expects a positive integer, got '${roundsText}'`);
  const peers = (flagValue('--peers')?.split(',') ?? [...PEERS]) as Peer[];
  const unknown = peers.filter((p) => !PEERS.includes(p));
  if (unknown.length > 0) throw new Error(`--peers expects some of ${PEERS.join(',')}, got '${unknown.join(',')}'`);
  const stepsText = flagValue('--steps');
  const profileSteps = stepsText === undefined ? 3 : Number(stepsText);
  if (!Number.isInteger(profileSteps) || profileSteps < 1)
    throw new Error(`--steps expects a positive integer, got '${stepsText}'`);
  return {
    json: args.includes('--json'),
    quick: args.includes('--quick'),
    rounds,
    peers,
    profileSteps: args.includes('--profile') ? profileSteps : null,
    byShape: args.includes('--by-shape'),
  };
}

interface Timed {
  stepMs: number[];
  loss: number;
}
interface LorafaResult extends Timed {
  allocatedBytesPerStep: number;
  reusedBytesPerStep: number;
}
interface Interleaved {
  lorafa: Record<Method, LorafaResult>;
  jax?: Record<Method, Timed>;
  /** jax-js's Wasm heap after the warm-up, then after each round. */
  jaxHeapBytes?: number[];
}

/**
 * Warms each step up once, then runs `rounds` rounds of one step per method and implementation
 * (lorafa-ts, and jax-js when `withJax`), the order rotating from round to round.
 */
async function timeInterleaved(
  shape: StepShape,
  rounds: number,
  withJax: boolean,
  log: (line: string) => void,
): Promise<Interleaved> {
  const backend = T.getBackend();
  const fresh = () => ({ stepMs: [], loss: NaN, allocatedBytesPerStep: 0, reusedBytesPerStep: 0 });
  const lorafa: Record<Method, LorafaResult> = { full: fresh(), lora: fresh(), 'lora-fa': fresh() };
  const jax: Record<Method, Timed> | undefined = withJax
    ? { full: fresh(), lora: fresh(), 'lora-fa': fresh() }
    : undefined;
  const entries: { name: string; step: () => number; result: Timed; counted?: LorafaResult }[] = [];
  for (const m of METHODS)
    entries.push({ name: `lorafa ${m}`, step: lorafaStep(shape, m), result: lorafa[m], counted: lorafa[m] });
  const disposers: (() => void)[] = [];
  if (jax)
    for (const m of METHODS) {
      const model = await jaxStep(shape, m);
      disposers.push(model.dispose);
      entries.push({ name: `jax-js ${m}`, step: model.step, result: jax[m] });
    }
  for (const e of entries) e.step();
  const jaxHeapBytes = jax ? [wasmMemoryBytes()] : [];

  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < entries.length; i++) {
      const { step, result, counted } = entries[(round + i) % entries.length]!;
      const [allocated, reused] = [backend.allocatedBytes?.() ?? NaN, backend.reusedBytes?.() ?? NaN];
      const start = performance.now();
      result.loss = step();
      result.stepMs.push(performance.now() - start);
      if (counted) {
        counted.allocatedBytesPerStep += ((backend.allocatedBytes?.() ?? NaN) - allocated) / rounds;
        counted.reusedBytesPerStep += ((backend.reusedBytes?.() ?? NaN) - reused) / rounds;
      }
    }
    if (jax) jaxHeapBytes.push(wasmMemoryBytes());
    log(
      `  round ${round + 1}/${rounds}: ${entries.map((e) => `${e.name} ${e.result.stepMs[round]!.toFixed(0)} ms`).join(', ')}`,
    );
  }
  if (!jax) return { lorafa };
  for (const dispose of disposers) dispose();
  return { lorafa, jax, jaxHeapBytes };
}

/**
 * jax-js's heap over the rounds, in words. Its allocator keeps freed buffers for reuse and the
 * heap never shrinks: leaked arrays grow it every round, while interleaved models may grow it in
 * the first rounds until the free lists hold every size they ask for.
 */
function describeHeap(heapBytes: readonly number[]): string {
  const mib = heapBytes.map((b) => (b / 2 ** 20).toFixed(2));
  const rounds = heapBytes.length - 1;
  let lastGrowth = -1; // the last round after which the heap was larger than before it
  for (let round = 1; round <= rounds; round++) if (heapBytes[round]! > heapBytes[round - 1]!) lastGrowth = round;
  const verdict =
    lastGrowth < 0
      ? 'flat: nothing leaked'
      : lastGrowth < rounds
        ? `flat after round ${lastGrowth}: nothing leaked since`
        : 'it GREW in the last round: a leak would grow it every round';
  return `jax-js Wasm heap: ${mib[0]} MiB after the warm-up, ${mib.slice(1).join(', ')} MiB after each round (${verdict})`;
}

/** tfjs's step for `method` on `backend`: tokens/s of the median step, and the last loss. */
async function timeTfjs(shape: StepShape, method: Method, backend: 'cpu' | 'wasm') {
  await tf.setBackend(backend);
  await tf.ready();
  const theirs = tfjsStep(shape, method);
  let loss = NaN;
  const run = () => {
    loss = theirs.step();
  };
  const { medianMs } = await measure(run, { budgetMs: 0, minRuns: backend === 'cpu' ? 2 : 3, warmup: 1 });
  theirs.dispose();
  return { tokensPerSecond: (shape.batch * shape.seq) / (medianMs / 1000), loss };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const { json, quick, rounds, peers } = options;
  if (json) console.log = console.warn = console.info = (...a: unknown[]) => console.error(...a);
  const shape: StepShape = quick
    ? { layers: 2, embd: 64, heads: 4, vocab: 257, seq: 32, batch: 4, rank: 4 }
    : { layers: 4, embd: 256, heads: 4, vocab: 257, seq: 128, batch: 8, rank: 16 };
  const tokens = shape.batch * shape.seq;
  const tokensPerSecond = (ms: number) => tokens / (ms / 1000);
  const log = (line: string) => console.log(line);
  log(
    `one training step, ${JSON.stringify(shape)}, lorafa on ${T.getNumThreads()} thread(s), ${options.profileSteps === null ? `peers ${peers.join(', ')} (one thread each)` : 'profiled'}, ${JSON.stringify(machine())}`,
  );

  if (options.profileSteps !== null) {
    const profiles = METHODS.map((method) => profileStep(shape, method, options.profileSteps!, options.byShape));
    for (const profile of profiles) for (const line of profileTable(profile)) log(line);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ shape, profiles, lorafaThreads: T.getNumThreads(), machine: machine(), date: new Date().toISOString() })}\n`,
      );
    return;
  }
  const ours = await timeInterleaved(shape, rounds, peers.includes('jax'), log);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  if (ours.jaxHeapBytes) log(describeHeap(ours.jaxHeapBytes));
  const rows: {
    method: Method;
    tokensPerSecond: Partial<Record<Implementation, number>>;
    loss: Partial<Record<Implementation, number>>;
    lorafaAllocatedBytesPerStep: number;
    lorafaReusedBytesPerStep: number;
    lorafaSteps: number;
  }[] = [];
  const jaxWasm: Partial<
    Record<Method, { tokensPerSecond: number; loss: number; ratioPerRound: number[]; ratio: number }>
  > = {};
  for (const method of METHODS) {
    const mine = ours.lorafa[method];
    const row = {
      method,
      tokensPerSecond: { lorafa: tokensPerSecond(median(mine.stepMs)) } as Partial<Record<Implementation, number>>,
      loss: { lorafa: mine.loss } as Partial<Record<Implementation, number>>,
      lorafaAllocatedBytesPerStep: mine.allocatedBytesPerStep,
      lorafaReusedBytesPerStep: mine.reusedBytesPerStep,
      lorafaSteps: rounds,
    };
    const parts = [
      `lorafa ${row.tokensPerSecond.lorafa!.toFixed(0)} (new ${mib(mine.allocatedBytesPerStep)} MiB + reused ${mib(mine.reusedBytesPerStep)} MiB per step)`,
    ];
    const ratios: string[] = [];
    const theirs = ours.jax?.[method];
    if (theirs) {
      // lorafa / jax-js throughput in one round = jax-js's step time / lorafa's.
      const ratioPerRound = theirs.stepMs.map((jaxMs, i) => jaxMs / mine.stepMs[i]!);
      const ratio = median(ratioPerRound);
      jaxWasm[method] = {
        tokensPerSecond: tokensPerSecond(median(theirs.stepMs)),
        loss: theirs.loss,
        ratioPerRound,
        ratio,
      };
      parts.push(`jax-js ${jaxWasm[method].tokensPerSecond.toFixed(0)}`);
      ratios.push(
        `lorafa/jax-js ${ratio.toFixed(2)}x (range ${Math.min(...ratioPerRound).toFixed(2)}–${Math.max(...ratioPerRound).toFixed(2)})`,
      );
    }
    for (const [peer, key, backend] of [
      ['tfjs-cpu', 'tfjsCpu', 'cpu'],
      ['tfjs-wasm', 'tfjsWasm', 'wasm'],
    ] as const) {
      if (!peers.includes(peer)) continue;
      const result = await timeTfjs(shape, method, backend);
      row.tokensPerSecond[key] = result.tokensPerSecond;
      row.loss[key] = result.loss;
      parts.push(`${peer} ${result.tokensPerSecond.toFixed(0)}`);
      ratios.push(`lorafa/${peer} ${(row.tokensPerSecond.lorafa! / result.tokensPerSecond).toFixed(2)}x`);
    }
    rows.push(row);
    log(`${method.padEnd(8)} tokens/s: ${parts.join(', ')} | ${ratios.join(', ')}`);
  }
  // LoRA-FA over LoRA, round by round (each round ran both).
  const perRound = ours.lorafa.lora.stepMs.map((loraMs, i) => loraMs / ours.lorafa['lora-fa'].stepMs[i]!);
  const faOverLora = median(perRound);
  log(
    `lorafa-ts: LoRA-FA / LoRA step throughput ${faOverLora.toFixed(2)}x (median of ${rounds} rounds; range ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`,
  );
  if (json)
    process.stdout.write(
      `${JSON.stringify({
        shape,
        rounds,
        methods: rows,
        peers: ours.jax ? { jaxWasm } : {},
        jaxWasmHeapBytes: ours.jaxHeapBytes,
        loraFaOverLora: faOverLora,
        loraFaOverLoraPerRound: perRound,
        lorafaThreads: T.getNumThreads(),
        machine: machine(),
        date: new Date().toISOString(),
      })}\n`,
    );
}

main().catch((error: unknown) => {
  console.error(`bench:step failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
