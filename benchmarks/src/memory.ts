/**
 * npm run bench:memory [-- --json] [-- --quick] [-- --budget MIB] [-- --out DIR] [-- --backward]
 *
 * The paper's Figure 4, on this machine. GPT-2 small's shape (124M parameters, random
 * weights; batch 1, sequence 256), for Full-FT, LoRA, LoRA-FA and LoRA-FB:
 * - rank swept 1, 2, 4, …, 128 with every block linear adapted;
 * - the number of adapted blocks (the first k) swept 0…12 at r = 64;
 * - the longest sequence (a power of two) each method fits under a saved-bytes budget
 *   (default 256 MiB), with standard and with memory-efficient attention.
 * Per point: the tape's saved activation bytes, the memory model's prediction
 * (gpt2SavedActivations) — they must be equal, or the bench exits 1 naming the points — and
 * the point's peak RSS. The saved bytes are read after forward and loss; `--backward` (always on
 * with --quick) runs backward too and checks that it frees every saved byte. Full-FT depends on neither rank nor adapted blocks: it is measured once
 * per sweep. Writes memory-sweeps.svg and sequence-length.svg to --out (default out/bench-memory).
 * `--quick`: the same sweeps on a 3-block GPT-2 of width 32, ranks 1, 2, 4 (seconds; the tests run it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GPT2Config } from '@lorafa/nn';
import type { AttentionKind, LoraMethod } from '@lorafa/lorafa';
import { ATTENTION_KINDS, gpt2SavedActivations, gpt2Spec, LORA_METHODS } from '@lorafa/lorafa';
import type { MeasuredPoint, MemoryPoint } from './memory-measure.js';
import { describe, measurePoint } from './memory-measure.js';
import type { LongestSequence } from './memory-plot.js';
import { longestSequenceSvg, sweepsSvg } from './memory-plot.js';
import { machine } from './timing.js';

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const withBackward = argv.includes('--backward');
const flagValue = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const budgetMiB = Number(flagValue('budget') ?? (quick ? 1 : 256));
if (!(budgetMiB > 0))
  throw new Error(`bench:memory: --budget must be a positive number of MiB, got ${flagValue('budget')}`);
const outDir = flagValue('out') ?? 'out/bench-memory';
const log = (line: string) => (json ? console.error(line) : console.log(line));

const config: GPT2Config = quick
  ? {
      vocab_size: 257,
      n_positions: 512,
      n_embd: 32,
      n_layer: 3,
      n_head: 4,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
    }
  : {
      vocab_size: 50257,
      n_positions: 1024,
      n_embd: 768,
      n_layer: 12,
      n_head: 12,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
    };
const seq = quick ? 32 : 256;
const ranks = quick ? [1, 2, 4] : [1, 2, 4, 8, 16, 32, 64, 128];
const blockRank = quick ? 4 : 64;
const adapters = LORA_METHODS.filter((m) => m !== 'full');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

const results = new Map<string, MeasuredPoint>();
function measure(p: MemoryPoint): MeasuredPoint {
  const key = JSON.stringify(p);
  let result = results.get(key);
  if (!result) {
    result = measurePoint(config, p, { collect: !quick, backward: quick || withBackward });
    results.set(key, result);
    const agree = result.measuredBytes === result.predictedBytes ? '=' : '≠';
    const rss = result.peakRssBytes === null ? 'n/a' : mib(result.peakRssBytes);
    log(
      `  ${describe(p).padEnd(72)} tape ${mib(result.measuredBytes).padStart(12)} ${agree} model ${mib(result.predictedBytes).padStart(12)}   peak RSS ${rss.padStart(12)}   ${result.stepSeconds.toFixed(1)} s`,
    );
  }
  return result;
}

const point = (method: LoraMethod, rank: number, adaptedBlocks: number, attention: AttentionKind = 'standard') => ({
  method,
  rank,
  adaptedBlocks: method === 'full' ? config.n_layer : adaptedBlocks,
  attention,
  seq,
});

log(
  `bench:memory: GPT-2 ${quick ? '(quick shape)' : 'small shape'}: n_embd ${config.n_embd}, ${config.n_layer} blocks, ${config.n_head} heads, vocab ${config.vocab_size}; batch 1 x seq ${seq}; float32`,
);
log('rank sweep (every block adapted):');
const fullPoint = measure(point('full', 1, config.n_layer));
const rankSweep = [
  ...ranks.map((rank) => ({ ...fullPoint, rank })),
  ...adapters.flatMap((m) => ranks.map((rank) => measure(point(m, rank, config.n_layer)))),
];
log(`adapted-blocks sweep (r = ${blockRank}):`);
const blocks = Array.from({ length: config.n_layer + 1 }, (_, k) => k);
const blockSweep = [
  ...blocks.map((adaptedBlocks) => ({ ...fullPoint, rank: blockRank, adaptedBlocks })),
  ...adapters.flatMap((m) => blocks.map((k) => measure(point(m, blockRank, k)))),
];

/** Largest power of two ≤ n_positions whose predicted bytes fit the budget (null: not even 2). */
function longestPredicted(method: LoraMethod, attention: AttentionKind, budget: number): number | null {
  const spec = gpt2Spec({
    name: 'bench',
    nEmbd: config.n_embd,
    nLayer: config.n_layer,
    nHead: config.n_head,
    vocab: config.vocab_size,
    nPositions: config.n_positions,
  });
  let best: number | null = null;
  for (let length = 2; length <= config.n_positions; length *= 2) {
    const bytes = gpt2SavedActivations(spec, { method, batch: 1, seq: length, rank: blockRank, attention }).total;
    if (bytes <= budget) best = length;
  }
  return best;
}

const budget = budgetMiB * 2 ** 20;
log(`longest sequence under ${budgetMiB} MiB of saved activations (r = ${blockRank}, every block adapted):`);
const sequenceRows = LORA_METHODS.flatMap((method) =>
  ATTENTION_KINDS.map((attention) => {
    const longest = longestPredicted(method, attention, budget);
    const at = (length: number) =>
      measure({ method, rank: blockRank, adaptedBlocks: config.n_layer, attention, seq: length });
    const fits = longest === null ? null : at(longest);
    const double = longest !== null && 2 * longest <= config.n_positions ? at(2 * longest) : null;
    return { method, attention, longest, fits, double };
  }),
);

const failures = [...results.values()].filter((r) => r.measuredBytes !== r.predictedBytes);
const budgetFailures = sequenceRows.filter(
  (r) => (r.fits && r.fits.measuredBytes > budget) || (r.double && r.double.measuredBytes <= budget),
);

const table = sequenceRows.map(
  (r) =>
    `  ${r.method.padEnd(8)} ${r.attention.padEnd(17)} ${String(r.longest ?? '< 2').padStart(6)} tokens` +
    (r.fits ? `   (${mib(r.fits.measuredBytes)} at ${r.longest}` : '') +
    (r.double ? `; ${mib(r.double.measuredBytes)} at ${2 * r.longest!})` : r.fits ? '; n_positions reached)' : ''),
);
for (const line of table) log(line);

mkdirSync(outDir, { recursive: true });
const title = `GPT-2 ${quick ? 'quick shape' : 'small shape'}, batch 1 x ${seq} tokens, float32: the tape's saved activations`;
writeFileSync(join(outDir, 'memory-sweeps.svg'), await sweepsSvg(rankSweep, blockSweep, title));
const longestRows: LongestSequence[] = sequenceRows.map((r) => ({ ...r, longest: r.longest ?? 0 }));
writeFileSync(
  join(outDir, 'sequence-length.svg'),
  await longestSequenceSvg(
    longestRows,
    `Longest sequence under ${budgetMiB} MiB of saved activations (r = ${blockRank})`,
  ),
);
log(`plots: ${join(outDir, 'memory-sweeps.svg')}, ${join(outDir, 'sequence-length.svg')}`);

if (json) {
  const strip = (p: MeasuredPoint | null) => p && { ...p };
  process.stdout.write(
    `${JSON.stringify({
      quick,
      config,
      seq,
      batch: 1,
      floatBytes: 4,
      rankSweep,
      blockSweep,
      sequence: {
        budgetBytes: budget,
        rank: blockRank,
        rows: sequenceRows.map((r) => ({ ...r, fits: strip(r.fits), double: strip(r.double) })),
      },
      mismatches: failures.length,
      machine: machine(),
      date: new Date().toISOString(),
    })}\n`,
  );
}
if (failures.length || budgetFailures.length) {
  for (const f of failures)
    console.error(
      `bench:memory: MISMATCH ${describe(f)}: tape ${f.measuredBytes} bytes, memory model ${f.predictedBytes} bytes`,
    );
  for (const r of budgetFailures)
    console.error(`bench:memory: ${r.method} ${r.attention}: the measured bytes contradict the budget search`);
  process.exit(1);
}
