/**
 * One point of the memory benchmark: a GPT-2 of a given shape with one method, rank, number of
 * adapted blocks (the first k) and attention; one forward and the causal-LM loss (and, on
 * request, backward) on the CPU backend. Reports the tape's saved activation bytes after forward, the memory model's
 * prediction for the same configuration, and the step's peak RSS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { causalLmLoss, GPT2 } from '@lorafa/nn';
import type { GPT2Config } from '@lorafa/nn';
import type { AttentionKind, LoraMethod } from '@lorafa/lorafa';
import { gpt2SavedActivations, gpt2Spec, injectLora, LoraLinear } from '@lorafa/lorafa';

export interface MemoryPoint {
  method: LoraMethod;
  rank: number;
  adaptedBlocks: number;
  attention: AttentionKind;
  seq: number;
}

export interface MeasuredPoint extends MemoryPoint {
  /** The tape's live saved activation bytes after forward and loss. */
  measuredBytes: number;
  /** gpt2SavedActivations' total for the same configuration. */
  predictedBytes: number;
  trainableParameters: number;
  /** Peak RSS during the point (Linux, VmHWM reset first; the base model is built once and kept); null elsewhere. */
  peakRssBytes: number | null;
  stepSeconds: number;
}

const BLOCK_LINEARS = 'attn\\.c_attn|attn\\.c_proj|mlp\\.c_fc|mlp\\.c_proj';

/** Resets the peak RSS (Linux: writing 5 to /proc/self/clear_refs resets VmHWM). */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakRss(): number | null {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib ? Number(kib) * 1024 : null;
  } catch {
    return null;
  }
}

/** One base model per shape and attention, reused: each point adapts it, and restore() undoes that. */
const baseModels = new Map<string, GPT2>();

/** The model with the method applied to every block linear of the first k blocks (Full-FT: everything trains). */
function adaptedModel(config: GPT2Config, p: MemoryPoint): GPT2 {
  const key = JSON.stringify({ ...config, attention: p.attention });
  let model = baseModels.get(key);
  if (!model) {
    model = new GPT2({ ...config, attention: p.attention }, { seed: 0 });
    baseModels.set(key, model);
  }
  if (p.method !== 'full' && p.adaptedBlocks === 0) {
    for (const parameter of model.parameters()) parameter.requiresGrad = false;
    return model;
  }
  const blocks = Array.from({ length: p.adaptedBlocks }, (_, i) => i).join('|');
  const targets = p.method === 'full' ? ['c_attn'] : [new RegExp(`transformer\\.h\\.(${blocks})\\.(${BLOCK_LINEARS})`)];
  injectLora(model, { method: p.method, rank: p.rank, alpha: 2 * p.rank, targets });
  return model;
}

/** Puts the base linears back in place of the adapted ones. */
function restore(model: GPT2): void {
  for (const [path, module] of [...model.namedModules()])
    if (module instanceof LoraLinear) model.replaceModule(path, module.base);
}

/**
 * Measures one point. `backward` runs the backward pass too (and checks that it leaves no
 * saved bytes alive); the saved bytes are read after forward either way.
 */
export function measurePoint(
  config: GPT2Config,
  p: MemoryPoint,
  options: { collect?: boolean; backward?: boolean } = {},
): MeasuredPoint {
  if (options.collect) (globalThis as { gc?: () => void }).gc?.(); // the previous point's graph goes first
  const rssAvailable = resetPeakRss();
  const started = performance.now();
  const model = adaptedModel(config, p);
  const ids = T.fromFlat(
    Array.from({ length: p.seq }, (_, i) => (i * 7919) % config.vocab_size),
    [1, p.seq],
    { dtype: 'int32' },
  );
  const tape = new A.Tape();
  const loss = A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
  const measuredBytes = tape.savedBytes().live;
  if (options.backward && loss.requiresGrad) {
    loss.backward();
    if (tape.savedBytes().live !== 0)
      throw new Error(
        `bench:memory: ${tape.savedBytes().live} saved bytes still alive after backward (${describe(p)})`,
      );
  }
  const stepSeconds = (performance.now() - started) / 1000;
  const trainableParameters = model.trainableParameters().reduce((n, q) => n + q.size, 0);
  for (const parameter of model.parameters()) parameter.zeroGrad();
  restore(model);
  const spec = gpt2Spec({
    name: 'bench',
    nEmbd: config.n_embd,
    nLayer: config.n_layer,
    nHead: config.n_head,
    vocab: config.vocab_size,
    nPositions: config.n_positions,
  });
  const predictedBytes = gpt2SavedActivations(spec, { ...p, batch: 1, floatBytes: 4 }).total;
  return {
    ...p,
    measuredBytes,
    predictedBytes,
    trainableParameters,
    peakRssBytes: rssAvailable ? peakRss() : null,
    stepSeconds,
  };
}

export function describe(p: MemoryPoint): string {
  return `${p.method}, rank ${p.rank}, ${p.adaptedBlocks} adapted blocks, ${p.attention} attention, seq ${p.seq}`;
}
