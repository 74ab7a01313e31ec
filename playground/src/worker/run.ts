import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { GPT2 } from '@lorafa/nn';
import { causalLmLoss, generate } from '@lorafa/nn';
import { LoraFAOptimizer } from '@lorafa/lorafa';
import { evaluationBatches, WindowSampler } from '../../../packages/cli/src/data/batches.js';
import { meanLoss, prepare } from '../../../packages/cli/src/training/method.js';
import type { FromWorker, RunSettings } from '../protocol.js';
import type { TrainingOptions } from '../../../packages/cli/src/training/trainer.js';
import type { Assets } from './assets.js';
import { loadModel } from './assets.js';
import { useBackend } from './backends.js';
import { trainingOptionsOf } from './options.js';

/** How a run talks to the page and learns that it should pause or stop. */
export interface RunControl {
  post(message: FromWorker): void;
  /** Resolves when the run may go on (at once unless paused); yields to the worker's event loop. */
  checkpoint(): Promise<void>;
  stopped(): boolean;
}

const HOST = 'cpu-fast';
const NEW_TOKENS = 40;

/** Token streams, encoded once per worker. */
let encoded: { train: Int32Array; heldOut: Int32Array } | undefined;
export function corpusTokens(assets: Assets): { train: Int32Array; heldOut: Int32Array } {
  encoded ??= {
    train: Int32Array.from(assets.tokenizer.encode(assets.corpus.train)),
    heldOut: Int32Array.from(assets.tokenizer.encode(assets.corpus.heldOut)),
  };
  return encoded;
}

/**
 * One training run, the CLI trainer's loop step for step (packages/cli/src/training/trainer.ts,
 * which writes checkpoints and so cannot load in a page): the same options (training/flags.ts),
 * sampler and evaluation batches (data/batches.ts), adapters, optimizer and held-out loss
 * (training/method.ts), so the same losses for the same seed and data. Each step reads back only its loss; held-out loss every
 * `evalEvery` steps; on host backends the correction's diagnostics every step.
 */
export async function runTraining(runId: number, settings: RunSettings, assets: Assets, control: RunControl) {
  const { post } = control;
  const o = trainingOptionsOf(settings);
  if (o.seq > assets.config.n_positions)
    throw new Error(`seq ${o.seq} exceeds the model's n_positions ${assets.config.n_positions}`);
  const prompt = assets.tokenizer.encode(settings.prompt || ' ');
  const base = await onHost(() => loadModel(assets));
  post({
    type: 'generated',
    runId,
    when: 'before',
    text: await onHost(() => continueText(base, assets, prompt, o.seed)),
  });

  const backend = await useBackend(settings.backend);
  const tokens = corpusTokens(assets);
  const model = loadModel(assets);
  const sampler = new WindowSampler(tokens.train, o.batch, o.seq, new T.Rng(o.seed));
  const evalSet = evaluationBatches(tokens.heldOut, o.batch, o.seq, o.evalBatches);
  const { optimizer, trained } = prepare(model, o); // the CLI's adapters and optimizer for the method
  if (optimizer instanceof LoraFAOptimizer) await optimizer.prepare(); // device backends: (A Aᵀ)⁻¹ once
  const onDevice = T.getBackend().readSync === undefined;
  const trainable = trained.filter(([, v]) => v.requiresGrad).reduce((n, [, v]) => n + v.size, 0);
  post({ type: 'started', runId, backend, trainable });
  if (onDevice && optimizer instanceof LoraFAOptimizer)
    post({
      type: 'note',
      runId,
      text: `cond(A Aᵀ) and the cosine are measured on host backends only (${backend} is a device backend)`,
    });

  let stoppedEarly = false;
  for (let step = 1; step <= o.steps; step++) {
    await control.checkpoint();
    if (control.stopped()) {
      stoppedEarly = true;
      break;
    }
    const started = performance.now();
    const ids = sampler.next();
    const loss = A.withTape(new A.Tape(), () => causalLmLoss(model.call(ids), ids));
    const value = (await loss.data())[0]!;
    if (!Number.isFinite(value)) {
      post({
        type: 'note',
        runId,
        text: `loss became ${value} at step ${step}: stopped before updating (lower the learning rate)`,
      });
      stoppedEarly = true;
      break;
    }
    optimizer.zeroGrad();
    loss.backward();
    if (!onDevice && optimizer instanceof LoraFAOptimizer) {
      const rows = optimizer.correctionDiagnostics();
      if (rows.length) {
        const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
        post({ type: 'correction', runId, step, cosine: mean((r) => r.cosine), condition: mean((r) => r.condition) });
      }
    }
    optimizer.step();
    const elapsed = performance.now() - started;
    post({ type: 'step', runId, step, loss: value, tokensPerSecond: (o.batch * o.seq) / (elapsed / 1000) });
    if (step % o.evalEvery === 0 || step === o.steps)
      post({ type: 'eval', runId, step, loss: await meanLoss(model, evalSet) });
  }
  if (control.stopped()) {
    post({ type: 'done', runId, stoppedEarly }); // stopped by Reset: the page no longer shows this run
    return;
  }
  const after = onDevice
    ? await onHost(async () => continueText(await hostCopy(model, assets, o), assets, prompt, o.seed))
    : continueText(model, assets, prompt, o.seed);
  post({ type: 'generated', runId, when: 'after', text: after });
  post({ type: 'done', runId, stoppedEarly });
}

/** Runs `fn` with the host backend as the default (generation reads logits synchronously). */
async function onHost<R>(fn: () => R | Promise<R>): Promise<R> {
  const previous = T.setBackend(HOST);
  try {
    return await fn();
  } finally {
    T.setBackend(previous.name);
  }
}

/** The trained model rebuilt on the host (call inside onHost): the same adapters, every parameter copied from the device. */
async function hostCopy(model: GPT2, assets: Assets, o: TrainingOptions): Promise<GPT2> {
  const copy = loadModel(assets);
  prepare(copy, o);
  const trained = model.parameters();
  for (const [i, parameter] of copy.parameters().entries())
    parameter.assign(await T.toBackend(trained[i]!.value, HOST));
  return copy;
}

/** A sampled continuation of the prompt (temperature 0.8, top 20; seeded: the same text for the same weights). */
function continueText(model: GPT2, assets: Assets, prompt: number[], seed: number): string {
  const ids = generate((x) => model.call(x), prompt, {
    maxNewTokens: NEW_TOKENS,
    temperature: 0.8,
    topK: 20,
    rng: new T.Rng(seed),
    contextLength: assets.config.n_positions,
  });
  return assets.tokenizer.decode(ids);
}
