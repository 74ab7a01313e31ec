/**
 * npm run bench:matmul [-- --json] [-- --sizes 256,512,1024] [-- --quick]
 *
 * --quick times two runs per cell with no time budget (a smoke run, not a measurement).
 *
 * float32 n x n matmul, side by side in one process: lorafa-ts's default CPU backend (cpu-fast,
 * the WebAssembly SIMD kernel on all its threads, and on one thread) and its specification
 * backend (cpu), @tensorflow/tfjs-backend-cpu, @tensorflow/tfjs-backend-wasm (4.22; single-threaded
 * in Node) and @jax-js/jax 0.1.25 on its wasm device. Reports GFLOP/s (2n³ / median time) and
 * ratios to lorafa-ts.
 */
import * as T from '@lorafa/tensor';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { init, numpy as np } from '@jax-js/jax';
import type { MeasureOptions } from './timing.js';
import { QUICK, machine, measure, parseFlags } from './timing.js';

let timing: MeasureOptions = {};

type Library = 'lorafa' | 'lorafaOneThread' | 'lorafaSpec' | 'tfjsCpu' | 'tfjsWasm' | 'jaxWasm';
const LIBRARIES: Library[] = ['lorafa', 'lorafaOneThread', 'lorafaSpec', 'tfjsCpu', 'tfjsWasm', 'jaxWasm'];

function randomValues(n: number, seed: number): Float32Array {
  return T.rand([n * n], { rng: new T.Rng(seed) }).dataSync() as Float32Array;
}

/** lorafa-ts on its default backend (cpu-fast) with `threads`, or on the plain specification backend ('cpu'). */
async function timeLorafa(
  n: number,
  { backend, threads }: { backend?: string; threads?: number } = {},
): Promise<number> {
  const a = T.fromFlat(randomValues(n, 1), [n, n], { backend });
  const b = T.fromFlat(randomValues(n, 2), [n, n], { backend });
  const before = T.getNumThreads();
  if (threads !== undefined) T.setNumThreads(threads);
  try {
    return (await measure(() => void T.matmul(a, b), timing)).medianMs;
  } finally {
    T.setNumThreads(before);
  }
}

async function timeTfjs(backend: 'cpu' | 'wasm', n: number): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
  const a = tf.tensor2d(randomValues(n, 1), [n, n]);
  const b = tf.tensor2d(randomValues(n, 2), [n, n]);
  const result = await measure(() => {
    const c = tf.matMul(a, b);
    c.dataSync(); // wait for the result
    c.dispose();
  }, timing);
  a.dispose();
  b.dispose();
  return result.medianMs;
}

async function timeJax(n: number): Promise<number> {
  const a = np.array(randomValues(n, 1)).reshape([n, n]);
  const b = np.array(randomValues(n, 2)).reshape([n, n]);
  const result = await measure(async () => {
    const c = np.matmul(a.ref, b.ref); // jax-js arguments are consumed: pass new references
    await c.data(); // reading consumes c
  }, timing);
  a.dispose();
  b.dispose();
  return result.medianMs;
}

async function main(): Promise<void> {
  const { json, quick, sizes = [256, 512, 1024] } = parseFlags(process.argv.slice(2));
  if (quick) timing = QUICK;
  // With --json, stdout carries the JSON object alone: route every other message (tfjs's
  // banner included) to stderr.
  if (json) console.log = console.warn = console.info = (...args: unknown[]) => console.error(...args);
  await init('wasm'); // jax-js: its default init probes navigator.gpu, which Node lacks
  const log = (line: string) => console.log(line);
  const threads = T.getNumThreads();
  log(
    `float32 matmul, GFLOP/s (median of repeated runs), lorafa on ${threads} thread(s), ${JSON.stringify(machine())}`,
  );
  const rows: { n: number; gflops: Record<Library, number> }[] = [];
  for (const n of sizes) {
    const flops = 2 * n ** 3;
    const ms: Record<Library, number> = {
      lorafa: await timeLorafa(n),
      lorafaOneThread: await timeLorafa(n, { threads: 1 }),
      lorafaSpec: await timeLorafa(n, { backend: 'cpu' }),
      tfjsCpu: await timeTfjs('cpu', n),
      tfjsWasm: await timeTfjs('wasm', n),
      jaxWasm: await timeJax(n),
    };
    const gflops = Object.fromEntries(LIBRARIES.map((l) => [l, flops / (ms[l] * 1e6)])) as Record<Library, number>;
    rows.push({ n, gflops });
    log(
      `n=${String(n).padEnd(5)} ` +
        LIBRARIES.map((l) => `${l} ${gflops[l].toFixed(2).padStart(6)}`).join('   ') +
        `   | lorafa/tfjsCpu ${(gflops.lorafa / gflops.tfjsCpu).toFixed(2)}x, lorafa/tfjsWasm ${(gflops.lorafa / gflops.tfjsWasm).toFixed(2)}x (one thread ${(gflops.lorafaOneThread / gflops.tfjsWasm).toFixed(2)}x), lorafa/jaxWasm ${(gflops.lorafa / gflops.jaxWasm).toFixed(2)}x`,
    );
  }
  if (json)
    process.stdout.write(
      `${JSON.stringify({ sizes: rows, lorafaThreads: threads, machine: machine(), date: new Date().toISOString() })}\n`,
    );
}

main().catch((error: unknown) => {
  console.error(`bench:matmul failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
