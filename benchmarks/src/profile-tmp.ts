import { lorafaStep } from './step-lorafa.js';
const shape = { layers: 4, embd: 256, heads: 4, vocab: 257, seq: 128, batch: 8, rank: 16 };
for (const method of ['lora-fa', 'lora', 'full'] as const) {
  const step = lorafaStep(shape, method);
  step();
  const t: number[] = [];
  for (let i = 0; i < 3; i++) { const s = performance.now(); step(); t.push(performance.now() - s); }
  console.log(method, t.map((x) => x.toFixed(0)).join(' '), 'ms; tokens/s', (1024 / (Math.min(...t) / 1000)).toFixed(0));
}
