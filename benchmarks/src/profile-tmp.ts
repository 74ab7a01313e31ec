import * as T from '@lorafa/tensor';
import { lorafaStep } from './step-lorafa.js';
const shape = { layers: 4, embd: 256, heads: 4, vocab: 257, seq: 128, batch: 8, rank: 16 };
const b = T.getBackend();
for (const method of ['lora-fa', 'lora', 'full'] as const) {
  const step = lorafaStep(shape, method);
  step();
  const t: number[] = [];
  let a0 = b.allocatedBytes!(), r0 = b.reusedBytes!();
  for (let i = 0; i < 3; i++) { const s = performance.now(); step(); t.push(performance.now() - s); }
  console.log(method, t.map((x) => x.toFixed(0)).join(' '), 'ms; tokens/s', (1024 / (Math.min(...t) / 1000)).toFixed(0), 'fresh MiB/step', ((b.allocatedBytes!() - a0) / 3 / 2 ** 20).toFixed(0), 'reused MiB/step', ((b.reusedBytes!() - r0) / 3 / 2 ** 20).toFixed(0));
}
