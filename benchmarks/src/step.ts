/**
 * npm run bench:step [-- --json] [-- --quick]
 *
 * One training step — forward, backward, optimizer — of the same small GPT-2 (4 layers,
 * n_embd 256, 4 heads, sequence 128, batch 8, byte vocabulary 257) under Full-FT, LoRA and
 * LoRA-FA (r 16 on c_attn, attn.c_proj, c_fc, mlp.c_proj), in lorafa-ts and in an equivalent
 * tfjs model on tfjs-backend-cpu and tfjs-backend-wasm, side by side in one process. Reports
 * tokens/s (median step) and ratios.
 */
import * as tf from '@tensorflow/tfjs'; // the union package registers the gradients minimize needs
import '@tensorflow/tfjs-backend-wasm';
import * as T from '@lorafa/tensor';
import type { StepShape } from './step-lorafa.js';
import { lorafaStep } from './step-lorafa.js';
import { tfjsStep } from './step-tfjs.js';
import { machine, measure } from './timing.js';

const METHODS = ['full', 'lora', 'lora-fa'] as const;
type Implementation = 'lorafa' | 'tfjsCpu' | 'tfjsWasm';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  if (json) console.log = console.warn = console.info = (...args: unknown[]) => console.error(...args);
  const quick = process.argv.includes('--quick');
  const shape: StepShape = quick
    ? { layers: 2, embd: 64, heads: 4, vocab: 257, seq: 32, batch: 4, rank: 4 }
    : { layers: 4, embd: 256, heads: 4, vocab: 257, seq: 128, batch: 8, rank: 16 };
  const tokens = shape.batch * shape.seq;
  const options = { budgetMs: 0, minRuns: 2, warmup: 1 };
  console.log(`one training step, ${JSON.stringify(shape)}, ${JSON.stringify(machine())}`);
  const rows: { method: string; tokensPerSecond: Record<Implementation, number>; loss: Record<Implementation, number>; lorafaAllocatedBytesPerStep: number }[] = [];
  for (const method of METHODS) {
    const tokensPerSecond = {} as Record<Implementation, number>;
    const loss = {} as Record<Implementation, number>;
    const ours = lorafaStep(shape, method);
    let last = NaN;
    tokensPerSecond.lorafa = tokens / ((await measure(() => void (last = ours()), options)).medianMs / 1000);
    loss.lorafa = last;
    const backend = T.getBackend();
    const before = backend.allocatedBytes?.() ?? NaN;
    ours();
    const allocated = (backend.allocatedBytes?.() ?? NaN) - before;
    for (const [key, backend] of [['tfjsCpu', 'cpu'], ['tfjsWasm', 'wasm']] as const) {
      await tf.setBackend(backend);
      await tf.ready();
      const theirs = tfjsStep(shape, method);
      tokensPerSecond[key] = tokens / ((await measure(() => void (last = theirs.step()), options)).medianMs / 1000);
      loss[key] = last;
      theirs.dispose();
    }
    rows.push({ method, tokensPerSecond, loss, lorafaAllocatedBytesPerStep: allocated });
    const t = tokensPerSecond;
    console.log(`${method.padEnd(8)} tokens/s: lorafa ${t.lorafa.toFixed(0)} (allocates ${(allocated / 2 ** 20).toFixed(1)} MiB/step), tfjs-cpu ${t.tfjsCpu.toFixed(0)}, tfjs-wasm ${t.tfjsWasm.toFixed(0)} | lorafa/tfjs-cpu ${(t.lorafa / t.tfjsCpu).toFixed(2)}x, lorafa/tfjs-wasm ${(t.lorafa / t.tfjsWasm).toFixed(2)}x`);
  }
  const fa = rows.find((r) => r.method === 'lora-fa')!.tokensPerSecond.lorafa;
  const lora = rows.find((r) => r.method === 'lora')!.tokensPerSecond.lorafa;
  console.log(`lorafa-ts: LoRA-FA step / LoRA step throughput ${(fa / lora).toFixed(2)}x`);
  if (json) process.stdout.write(`${JSON.stringify({ shape, methods: rows, machine: machine(), date: new Date().toISOString() })}\n`);
}

main().catch((error: unknown) => {
  console.error(`bench:step failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
