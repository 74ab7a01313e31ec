import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { GPT2, TextTokenizer } from '@lorafa/nn';
import { causalLmLoss } from '@lorafa/nn';
import type { LoraAdapter } from '@lorafa/lorafa';
import { LoraFAOptimizer } from '@lorafa/lorafa';
import { readingInput, UsageError } from '../cli-error.js';
import type { Corpus } from '../data/corpus.js';
import { evaluationBatches, WindowSampler } from '../data/batches.js';
import type { Checkpoint } from './checkpoint.js';
import { latestCheckpoint, loadCheckpoint, MANIFEST, saveCheckpoint } from './checkpoint.js';
import type { CheckpointFs } from './checkpoint-fs.js';
import type { Fingerprint, History } from './checkpoint-state.js';
import { requireSameRun, runFingerprint } from './fingerprint.js';
import type { TrainingOptions } from './options.js';
import { meanLoss, prepare } from './method.js';
import type { Progress } from './progress.js';
import type { AdapterDistributions } from './distributions.js';
import { adapterDistributions } from './distributions.js';

export type { History } from './checkpoint-state.js';
export type { TrainingOptions } from './options.js';

export interface TrainingResult {
  history: History;
  evalLoss: number;
  trainableParams: number;
  /** Bytes the tape held for backward at the peak of one step (activations only). */
  savedActivationBytes: number;
  stepMs: number;
  tokensPerSecond: number;
  peakRssBytes: number;
  /** Set when a non-finite loss stopped the run (before that step's update); nothing was saved then. */
  stoppedAt?: { step: number; loss: number };
  /** The newest complete checkpoint of this run (written or resumed from), if any. */
  lastCheckpoint: Checkpoint | null;
  adapters: LoraAdapter[];
  /**
   * A's and B's entries per module kind at the start (the init, also on resume) and at the end
   * of the run (issue 15 §4, Figure 3); null for Full-FT, end null when the run stopped.
   */
  distributions: { start: AdapterDistributions; end: AdapterDistributions | null } | null;
}

/** A tensor whose values can be read synchronously (copied from a device backend if need be). */
async function onHost(t: T.Tensor): Promise<T.Tensor> {
  return t.backend.readSync ? t : T.toBackend(t, 'cpu');
}

async function tensorsOnHost(tensors: Record<string, T.Tensor>): Promise<Record<string, T.Tensor>> {
  const entries = await Promise.all(Object.entries(tensors).map(async ([k, t]) => [k, await onHost(t)] as const));
  return Object.fromEntries(entries);
}

/**
 * Moves every parameter of `model` to the `cpu` backend (after a run on a device backend), so
 * that it can be saved; a no-op for parameters already on a host backend.
 */
export async function moveParametersToHost(model: GPT2): Promise<void> {
  for (const parameter of model.parameters()) parameter.assign(await onHost(parameter.value));
}

/**
 * Trains `model` on `corpus` with one method. Checkpoints (when `out` is set) every
 * `checkpointEvery` steps and at the end; with `resume` it continues from the newest complete
 * checkpoint in `out` bit for bit, after checking that the checkpoint belongs to the same run
 * (fingerprint.ts). A non-finite loss stops the run before that step's update and writes
 * nothing more. It runs on the default backend: on a device backend (the gpu backend) each
 * step reads back only its loss, checkpoints copy the trained tensors and optimizer state to the
 * host, and the correction diagnostics (host linear algebra every few steps) are left out.
 */
export async function train(args: {
  model: GPT2;
  tokenizer: TextTokenizer;
  corpus: Corpus;
  options: TrainingOptions;
  out?: string;
  resume?: boolean;
  progress?: Progress;
  /** Stop (with a checkpoint) after this step, as an interrupted run would. */
  stopAfter?: number;
  /** The base model's part of the run's fingerprint (its config and weights hash). */
  modelFingerprint?: Fingerprint;
  /** The file-system layer checkpoints are written through (tests inject faults here). */
  checkpointFs?: CheckpointFs;
}): Promise<TrainingResult> {
  const { model, tokenizer, corpus, options: o, out, progress } = args;
  const trainTokens = Int32Array.from(tokenizer.encode(corpus.train));
  const evalTokens = Int32Array.from(tokenizer.encode(corpus.heldOut));
  const sampler = new WindowSampler(trainTokens, o.batch, o.seq, new T.Rng(o.seed));
  const evalSet = evaluationBatches(evalTokens, o.batch, o.seq, o.evalBatches);
  const { adapters, optimizer, trained } = prepare(model, o);
  const startDistributions = await adapterDistributions(adapters); // before a resume overwrites the init
  const fingerprint = runFingerprint({
    model: args.modelFingerprint ?? {},
    dataSource: corpus.name,
    trainTokens,
    heldOutTokens: evalTokens,
    options: o,
  });
  let history: History = { losses: [], evals: [], diagnostics: [] };
  let start = 0;
  let lastCheckpoint: Checkpoint | null = null;

  if (args.resume) {
    if (!out) throw new UsageError('--resume needs --out (the folder that holds the checkpoint)');
    const found = latestCheckpoint(out);
    if (!found)
      throw new UsageError(`--resume: no complete checkpoint in ${out} (a checkpoint-NNNNNN folder with ${MANIFEST})`);
    const state = loadCheckpoint(found);
    requireSameRun(state.fingerprint, fingerprint, found.path);
    if (o.steps < state.step)
      throw new UsageError(`--resume: --steps ${o.steps} is below the checkpoint's step ${state.step} (${found.path})`);
    for (const [name, variable] of trained) {
      const value = state.trainable[name];
      const where = `${found.path}/trainable.safetensors`;
      if (!value) throw new UsageError(`--resume: ${where} lacks ${name}`);
      if (!T.shapesEqual(value.shape, variable.shape))
        throw new UsageError(
          `--resume: ${where}: ${name} is ${T.formatShape(value.shape)}, the model needs ${T.formatShape(variable.shape)}`,
        );
      variable.assign(T.cast(value, variable.dtype));
    }
    readingInput(() => optimizer.loadStateDict(state.optimizer));
    sampler.rng = T.Rng.fromState(state.samplerState as number[]);
    start = state.step;
    history = state.history;
    lastCheckpoint = found;
    progress?.message(`resuming from step ${start} (${found.path})`);
  }

  if (optimizer instanceof LoraFAOptimizer) await optimizer.prepare(); // device backends: (A Aᵀ)⁻¹ once
  const onDevice = T.getBackend().readSync === undefined;

  const checkpoint = async (step: number) => {
    if (!out) return;
    const optimizerState = optimizer.stateDict();
    const trainable = await tensorsOnHost(Object.fromEntries(trained.map(([n, v]) => [n, v.value])));
    const optimizerTensors = await tensorsOnHost(optimizerState.tensors);
    lastCheckpoint = saveCheckpoint(
      out,
      {
        step,
        samplerState: sampler.rng.getState(),
        trainable,
        optimizer: { ...optimizerState, tensors: optimizerTensors },
        history,
        fingerprint,
        options: { ...o },
      },
      args.checkpointFs,
    );
  };

  let savedActivationBytes = 0;
  const parameters = model.parameters();
  const stepTimes: number[] = [];
  let stoppedAt: TrainingResult['stoppedAt'];
  for (let step = start + 1; step <= o.steps; step++) {
    const started = performance.now();
    const ids = sampler.next();
    const tape = new A.Tape();
    optimizer.zeroGrad();
    // Forward and backward in a tidy: the activations and temporaries they leave behind (nobody
    // can hold them) go back to the buffer pool at once; the loss and the gradients stay.
    const loss = T.tidy(
      () => {
        const l = A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
        savedActivationBytes = Math.max(savedActivationBytes, tape.savedBytes().peak);
        l.backward();
        return l;
      },
      (l) => [l.value, ...parameters.flatMap((p) => (p.grad ? [p.grad] : []))],
    );
    const value = (await loss.data())[0]!;
    if (!Number.isFinite(value)) {
      stoppedAt = { step, loss: value }; // before the update: nothing of this step is kept
      break;
    }
    const measure =
      !onDevice &&
      optimizer.correctionDiagnostics &&
      (step === start + 1 || step % o.evalEvery === 0 || step === o.steps);
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
    if (step % o.evalEvery === 0 || step === o.steps)
      history.evals.push({ step, loss: await meanLoss(model, evalSet) });
    if ((o.checkpointEvery > 0 && step % o.checkpointEvery === 0) || step === o.steps || step === args.stopAfter)
      await checkpoint(step);
    if (step === args.stopAfter) break;
  }
  const lastStep = history.losses.at(-1)?.step ?? 0;
  if (!stoppedAt && (history.evals.length === 0 || history.evals.at(-1)!.step !== lastStep)) {
    history.evals.push({ step: lastStep, loss: await meanLoss(model, evalSet) });
  }
  const endDistributions = stoppedAt ? null : await adapterDistributions(adapters);
  const sorted = [...stepTimes].sort((a, b) => a - b);
  const stepMs = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
  return {
    history,
    evalLoss: stoppedAt ? NaN : history.evals.at(-1)!.loss,
    trainableParams: trained.filter(([, v]) => v.requiresGrad).reduce((n, [, v]) => n + v.size, 0),
    savedActivationBytes,
    stepMs,
    tokensPerSecond: (o.batch * o.seq) / (stepMs / 1000),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    stoppedAt,
    lastCheckpoint,
    adapters,
    distributions: startDistributions && { start: startDistributions, end: endDistributions },
  };
}
