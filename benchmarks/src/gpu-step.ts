/**
 * One GPT-2 training step under LoRA-FA — forward, backward, the LoRA-FA optimizer (AdamW on the
 * corrected gradient of B) — with every tensor on one backend: bench:step's model
 * (step-lorafa.ts: its config, tokens and adapter targets), built on `backend`. On a gpu backend
 * the optimizer is prepared first (each frozen A's inverse Gram matrix, computed on the host and
 * uploaded once), and a step reads back the loss alone.
 */
import * as T from '@lorafa/tensor';
import { causalLmLoss, GPT2 } from '@lorafa/nn';
import { injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import type { StepShape } from './step-lorafa.js';
import { gpt2Config, stepTokens } from './step-lorafa.js';
import { measure } from './timing.js';

export const stepTokensCount = (s: StepShape) => s.batch * s.seq;

export const describeShape = (s: StepShape) =>
  `GPT-2 ${s.layers} x ${s.embd}, ${s.heads} heads, seq ${s.seq}, batch ${s.batch}, r ${s.rank}`;

/** Builds the model and optimizer on `backend`; returns one step, which resolves to its loss. */
export async function loraFaStepOn(backend: string, s: StepShape): Promise<() => Promise<number>> {
  const previous = T.setBackend(backend);
  try {
    const model = new GPT2(gpt2Config(s), { seed: 1, dtype: 'float32' });
    const ids = T.fromFlat(stepTokens(s), [s.batch, s.seq], { dtype: 'int32' });
    const adapters = injectLora(model, {
      targets: ['c_attn', 'c_proj', 'c_fc'],
      method: 'lora-fa',
      rank: s.rank,
      alpha: 2 * s.rank,
    });
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 1e-4 });
    await optimizer.prepare();
    return async () => {
      optimizer.zeroGrad();
      const loss = causalLmLoss(model.call(ids), ids);
      loss.backward();
      optimizer.step();
      return (await loss.data())[0]!;
    };
  } finally {
    T.setBackend(previous.name);
  }
}

export interface StepTiming {
  ms: number;
  steps: number;
  loss: number;
  tokensPerSecond: number;
  /** Device reads per step, where `reads` counts them (a gpu backend reads the loss alone). */
  readsPerStep: number;
}

/**
 * Median step time after one warm-up step (which compiles a gpu backend's kernels). `threads`
 * sets cpu-fast's thread count for the measurement (restored after); `reads` is the backend's
 * read counter.
 */
export async function timeLoraFaStep(
  backend: string,
  s: StepShape,
  quick: boolean,
  options: { threads?: number; reads?: () => number } = {},
): Promise<StepTiming> {
  const step = await loraFaStepOn(backend, s);
  const before = T.getNumThreads();
  if (options.threads !== undefined) T.setNumThreads(options.threads);
  try {
    let loss = NaN;
    const readsBefore = options.reads?.() ?? 0;
    const { medianMs, runs } = await measure(
      async () => {
        loss = await step();
      },
      quick ? { budgetMs: 0, minRuns: 2, warmup: 1 } : { budgetMs: 0, minRuns: 5, warmup: 1 },
    );
    const readsPerStep = ((options.reads?.() ?? 0) - readsBefore) / (runs + 1); // the warm-up step too
    return { ms: medianMs, steps: runs, loss, tokensPerSecond: stepTokensCount(s) / (medianMs / 1000), readsPerStep };
  } finally {
    T.setNumThreads(before);
  }
}
