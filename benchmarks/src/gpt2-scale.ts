/**
 * npm run bench:gpt2-scale [-- --json] [-- --seq 128] [-- --rank 8]
 *
 * One forward and backward of a GPT-2 with GPT-2 small's shape (124M parameters: n_embd 768,
 * 12 layers, 12 heads, vocab 50257; random weights) with LoRA-FA adapters of rank r on every
 * c_attn, attn.c_proj, c_fc and mlp.c_proj, on batch 1 x seq tokens, on the CPU backend.
 * Reports wall time, peak RSS, and the tape's saved bytes (activations, and how many of them
 * the adapted linears hold) — and that backward leaves none alive.
 */
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { causalLmLoss, GPT2 } from '@lorafa/nn';
import { injectLora } from '@lorafa/lorafa';
import { machine } from './timing.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

const json = process.argv.includes('--json');
const seq = flag('seq', 128);
const rank = flag('rank', 8);
const log = (line: string) => (json ? console.error(line) : console.log(line));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

let started = performance.now();
const model = new GPT2(
  {
    vocab_size: 50257,
    n_positions: 1024,
    n_embd: 768,
    n_layer: 12,
    n_head: 12,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new',
  },
  { seed: 0 },
);
const adapters = injectLora(model, {
  targets: ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'],
  method: 'lora-fa',
  rank,
  alpha: 2 * rank,
});
const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
const trainable = model.trainableParameters().reduce((n, p) => n + p.size, 0);
const buildSeconds = (performance.now() - started) / 1000;
log(
  `built GPT-2 small shape: ${parameters.toLocaleString('en')} parameters (${trainable.toLocaleString('en')} trainable, ${adapters.length} LoRA-FA adapters, r=${rank}) in ${buildSeconds.toFixed(1)} s`,
);

const ids = T.fromFlat(
  Array.from({ length: seq }, (_, i) => (i * 7919) % 50257),
  [1, seq],
  { dtype: 'int32' },
);
const tape = new A.Tape();
const rssBefore = process.memoryUsage().rss;
started = performance.now();
const loss = A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
const forwardSeconds = (performance.now() - started) / 1000;
const afterForward = tape.savedBytes();
const adaptedBytes = adapters.reduce((n, a) => n + (afterForward.scopes[a.name]?.live ?? 0), 0);
log(
  `forward ${forwardSeconds.toFixed(1)} s, loss ${loss.item().toFixed(4)}; saved activations ${mib(afterForward.live)} (adapted linears: ${mib(adaptedBytes)} = ${adapters.length} x ${seq} tokens x ${rank} x 4 bytes)`,
);
started = performance.now();
loss.backward();
const backwardSeconds = (performance.now() - started) / 1000;
const afterBackward = tape.savedBytes();
const peakRss = process.resourceUsage().maxRSS * 1024;
log(
  `backward ${backwardSeconds.toFixed(1)} s; saved bytes alive after backward: ${afterBackward.live}; peak RSS ${mib(peakRss)} (RSS before the step ${mib(rssBefore)})`,
);
if (json) {
  process.stdout.write(
    `${JSON.stringify({
      seq,
      rank,
      parameters,
      trainable,
      buildSeconds,
      forwardSeconds,
      backwardSeconds,
      savedActivationBytes: afterForward.live,
      adaptedLinearBytes: adaptedBytes,
      liveAfterBackward: afterBackward.live,
      peakRssBytes: peakRss,
      rssBeforeStepBytes: rssBefore,
      machine: machine(),
      date: new Date().toISOString(),
    })}\n`,
  );
}
