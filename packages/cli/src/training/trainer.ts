import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import type { GPT2, Optimizer, TextTokenizer } from '@lorafa/nn';
import { AdamW, causalLmLoss, SGD } from '@lorafa/nn';
import type { LoraAdapter, LoraInit, LoraMethod } from '@lorafa/lorafa';
import { injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import type { Corpus } from '../data/corpus.js';
import { evaluationBatches, WindowSampler } from '../data/batches.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { Progress } from './progress.js';

export interface TrainingOptions {
  method: LoraMethod;
  correction: boolean;
  rank: number;
  alpha: number;
  lr: number;
  optimizer: 'adamw' | 'sgd';
  weightDecay: number;
  steps: number;
  batch: number;
  seq: number;
  targets: string[];
  init: LoraInit;
  seed: number;
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
}

export interface History {
  losses: { step: number; loss: number }[];
  evals: { step: number; loss: number }[];
  diagnostics: { step: number; cosine: number; condition: number }[];
}

export interface TrainingResult {
  history: History;
  evalLoss: number;
  trainableParams: number;
  /** Bytes the tape held for backward at the peak of one step (activations only). */
  savedActivationBytes: number;
  stepMs: number;
  tokensPerSecond: number;
  peakRssBytes: number;
  /** Set when a non-finite loss stopped the run; the last good checkpoint is kept. */
  stoppedAt?: { step: number; loss: number };
  adapters: LoraAdapter[];
}

/** Adapters (none for `full`) and the optimizer for a method. */
function prepare(
  model: GPT2,
  o: TrainingOptions,
): {
  adapters: LoraAdapter[];
  optimizer: Optimizer & Partial<Pick<LoraFAOptimizer, 'correctionDiagnostics'>>;
  trained: [string, Variable][];
} {
  if (o.method === 'full') {
    for (const p of model.parameters()) p.requiresGrad = true;
    const named = [...model.namedParameters()];
    const optimizer =
      o.optimizer === 'sgd'
        ? new SGD(named, { lr: o.lr, weightDecay: o.weightDecay })
        : new AdamW(named, { lr: o.lr, weightDecay: o.weightDecay });
    return { adapters: [], optimizer, trained: named };
  }
  const adapters = injectLora(model, {
    targets: o.targets,
    method: o.method,
    rank: o.rank,
    alpha: o.alpha,
    init: o.init,
    seed: o.seed,
  });
  const optimizer = new LoraFAOptimizer(adapters, [], {
    lr: o.lr,
    weightDecay: o.weightDecay,
    correction: o.correction,
    algorithm: o.optimizer,
  });
  const trained = adapters.flatMap(
    (a) =>
      [
        [`${a.name}.lora_A`, a.A],
        [`${a.name}.lora_B`, a.B],
      ] as [string, Variable][],
  );
  return { adapters, optimizer, trained };
}

function meanLoss(model: GPT2, batches: readonly T.Tensor[]): number {
  return A.noGrad(
    () => batches.reduce((sum, ids) => sum + causalLmLoss(model.call(ids), ids).item(), 0) / batches.length,
  );
}

const RESUME_KEYS: (keyof TrainingOptions)[] = [
  'method',
  'correction',
  'rank',
  'alpha',
  'lr',
  'optimizer',
  'weightDecay',
  'steps',
  'batch',
  'seq',
  'targets',
  'init',
  'seed',
];

/**
 * Trains `model` on `corpus` with one method. Checkpoints (when `out` is set) every
 * `checkpointEvery` steps and at the end; with `resume` it continues from `out/checkpoint`
 * bit for bit. A non-finite loss stops the run before that step's update.
 */
export function train(args: {
  model: GPT2;
  tokenizer: TextTokenizer;
  corpus: Corpus;
  options: TrainingOptions;
  out?: string;
  resume?: boolean;
  progress?: Progress;
  /** Stop (with a checkpoint) after this step, as an interrupted run would. */
  stopAfter?: number;
}): TrainingResult {
  const { model, tokenizer, corpus, options: o, out, progress } = args;
  const trainTokens = Int32Array.from(tokenizer.encode(corpus.train));
  const evalTokens = Int32Array.from(tokenizer.encode(corpus.heldOut));
  const sampler = new WindowSampler(trainTokens, o.batch, o.seq, new T.Rng(o.seed));
  const evalSet = evaluationBatches(evalTokens, o.batch, o.seq, o.evalBatches);
  const { adapters, optimizer, trained } = prepare(model, o);
  let history: History = { losses: [], evals: [], diagnostics: [] };
  let start = 0;

  if (args.resume) {
    if (!out) throw new Error('--resume needs --out (the folder that holds the checkpoint)');
    const state = loadCheckpoint(out);
    if (!state) throw new Error(`--resume: no checkpoint in ${out}/checkpoint`);
    const differing = RESUME_KEYS.filter((k) => JSON.stringify(state.options[k]) !== JSON.stringify(o[k]));
    if (differing.length)
      throw new Error(
        `--resume: the checkpoint was made with different ${differing.join(', ')}; rerun with the original options`,
      );
    for (const [name, variable] of trained) {
      const value = state.trainable[name];
      if (!value) throw new Error(`--resume: the checkpoint lacks ${name}`);
      variable.assign(T.cast(value, variable.dtype));
    }
    optimizer.loadStateDict(state.optimizer);
    sampler.rng = T.Rng.fromState(state.samplerState);
    start = state.step;
    history = state.history as History;
    progress?.message(`resuming from step ${start} (${out}/checkpoint)`);
  }

  const checkpoint = (step: number) => {
    if (!out) return;
    saveCheckpoint(out, {
      step,
      samplerState: sampler.rng.getState(),
      trainable: Object.fromEntries(trained.map(([n, v]) => [n, v.value])),
      optimizer: optimizer.stateDict(),
      history,
      options: { ...o },
    });
  };

  let savedActivationBytes = 0;
  const stepTimes: number[] = [];
  let stoppedAt: TrainingResult['stoppedAt'];
  for (let step = start + 1; step <= o.steps; step++) {
    const started = performance.now();
    const ids = sampler.next();
    const tape = new A.Tape();
    const loss = A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
    const value = loss.item();
    if (!Number.isFinite(value)) {
      stoppedAt = { step, loss: value };
      progress?.message(
        `loss is ${value} at step ${step}: stopped before updating${out ? `; the last good checkpoint (step ${history.losses.at(-1)?.step ?? 0}) is in ${out}/checkpoint` : ''}`,
      );
      break;
    }
    savedActivationBytes = Math.max(savedActivationBytes, tape.savedBytes().peak);
    optimizer.zeroGrad();
    loss.backward();
    const measure =
      optimizer.correctionDiagnostics && (step === start + 1 || step % o.evalEvery === 0 || step === o.steps);
    if (measure) {
      const rows = optimizer.correctionDiagnostics!();
      if (rows.length) {
        const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
        history.diagnostics.push({ step, cosine: mean((r) => r.cosine), condition: mean((r) => r.condition) });
      }
    }
    optimizer.step();
    const elapsed = performance.now() - started;
    stepTimes.push(elapsed);
    history.losses.push({ step, loss: value });
    progress?.update(step, { loss: value, tokensPerSecond: (o.batch * o.seq) / (elapsed / 1000) });
    if (step % o.evalEvery === 0 || step === o.steps) history.evals.push({ step, loss: meanLoss(model, evalSet) });
    if ((o.checkpointEvery > 0 && step % o.checkpointEvery === 0) || step === o.steps || step === args.stopAfter)
      checkpoint(step);
    if (step === args.stopAfter) break;
  }
  if (history.evals.length === 0 || history.evals.at(-1)!.step !== (history.losses.at(-1)?.step ?? 0)) {
    history.evals.push({ step: history.losses.at(-1)?.step ?? 0, loss: meanLoss(model, evalSet) });
  }
  const sorted = [...stepTimes].sort((a, b) => a - b);
  const stepMs = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
  return {
    history,
    evalLoss: history.evals.at(-1)!.loss,
    trainableParams: trained.filter(([, v]) => v.requiresGrad).reduce((n, [, v]) => n + v.size, 0),
    savedActivationBytes,
    stepMs,
    tokensPerSecond: (o.batch * o.seq) / (stepMs / 1000),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    stoppedAt,
    adapters,
  };
}
