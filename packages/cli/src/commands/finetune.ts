import { join } from 'node:path';
import { saveGpt2, writeFileAtomic } from '@lorafa/nn/node';
import { LORA_INITS } from '@lorafa/lorafa';
import { savePeftAdapter } from '@lorafa/lorafa/node';
import { parseArguments, stringFlag } from '../arguments.js';
import { EXIT_STATUS_HELP, NumericalFailure, UsageError } from '../cli-error.js';
import { loadCorpus } from '../data/corpus.js';
import { configuredAttention, withAttention } from '../training/attention.js';
import { loadBaseModel } from '../training/base-model.js';
import { TRAINING_VALUE_FLAGS, trainingOptions } from '../training/flags.js';
import { claimOutDir } from '../training/out-dir.js';
import { Progress } from '../training/progress.js';
import type { TrainingResult } from '../training/trainer.js';
import { moveParametersToHost, train } from '../training/trainer.js';
import { BACKEND_HELP, withBackend } from '../backend-option.js';
import type { CommandIo } from '../command.js';

export const FINETUNE_HELP = `lorafa finetune --model DIR [--data brown:fiction|FILE.txt|FILE.jsonl] [--method full|lora|lora-fa|lora-fb]
                [--no-correction] [--rank 8] [--alpha 2r] [--lr] [--optimizer adamw|sgd] [--steps 100]
                [--batch 8] [--seq 64] [--targets c_attn,c_proj,c_fc] [--init gaussian|uniform|mixed|pissa|...]
                [--attention standard|memory-efficient] [--seed 0] [--weight-decay 0] [--eval-every] [--eval-batches 4] [--checkpoint-every]
                [--out DIR] [--resume] [--json] [--backend NAME]

Fine-tunes a GPT-2 checkpoint (config.json + model.safetensors + tokenizer) on a corpus with one
method, showing loss, tokens/s and ETA; evaluates held-out loss periodically; saves the adapter
in PEFT's format to OUT/adapter (the whole model to OUT/model for --method full) and the run's
metrics to OUT/metrics.json. LoRA-FA and LoRA-FB use the corrected gradient unless
--no-correction. OUT is locked while a run uses it (OUT/.lock).

--init: ${LORA_INITS.join(', ')} (docs/theory.md, "How A starts").
--attention: standard (the seq x seq probabilities are saved for backward) or memory-efficient
(the blockwise custom op: saves q, k, v, the output and a log-sum-exp per row, recomputes the
probabilities in backward); the default is what the model's config.json says, else standard.

Checkpoints: every --checkpoint-every steps (default a fifth of the run; 0 for only the last)
a crash-safe checkpoint OUT/checkpoint-NNNNNN (the step) is committed, with a SHA-256 of each
file in its manifest. --resume continues from the newest complete one bit for bit, optimizer
state included, after checking that it belongs to the same run: the same model and weights,
data, method, rank, alpha, init, attention, seed, targets, optimizer, weight decay, batch, seq and lorafa
version, else it names the field that differs. Options that may change on resume:
  --steps             extend (or finish) the run
  --lr                the learning rate from the checkpoint on (e.g. lower, after a divergence)
  --eval-every, --eval-batches, --checkpoint-every   what is reported and saved, not the training

Backend: --backend (or LORAFA_BACKEND) chooses where the model lives and trains; on a gpu
backend every step reads back only its loss, checkpoints copy the trained tensors to the host,
and the correction's diagnostics (cond(Gram), cosine) are not measured. The backend is not part
of the run's identity: a run may resume on another backend (float32 results then differ in
rounding only).
${BACKEND_HELP}

A NaN or infinite loss stops the run before that step's update and writes nothing new: the
last good checkpoint (its step is named) and OUT/adapter stay as they were; resume from it with
a lower --lr.

Examples:
  lorafa finetune --model models/brown-base --data brown:fiction --method lora-fa --steps 60 --out out/lora-fa
  lorafa finetune --model models/brown-base --method lora-fa --steps 60 --out out/lora-fa --resume
  lorafa finetune --model models/brown-base --data notes.txt --method lora --rank 4 --lr 1e-2 --optimizer sgd
  lorafa finetune --model models/brown-base --method lora-fa --steps 20 --backend gpu:webasm --out out/gpu

${EXIT_STATUS_HELP}`;

export function summarize(result: TrainingResult, method: string) {
  return {
    method,
    trainableParams: result.trainableParams,
    evalLoss: result.evalLoss,
    perplexity: Math.exp(result.evalLoss),
    savedActivationBytes: result.savedActivationBytes,
    stepMs: result.stepMs,
    tokensPerSecond: result.tokensPerSecond,
    peakRssBytes: result.peakRssBytes,
    conditionNumber: result.history.diagnostics.length
      ? result.history.diagnostics.reduce((s, d) => s + d.condition, 0) / result.history.diagnostics.length
      : null,
    correctionCosine: result.history.diagnostics.length
      ? result.history.diagnostics.reduce((s, d) => s + d.cosine, 0) / result.history.diagnostics.length
      : null,
    stoppedAt: result.stoppedAt ?? null,
    distributions: result.distributions,
    history: result.history,
  };
}

export async function finetuneCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { out } = io;
  const { flags, positional } = parseArguments('finetune', argv, {
    booleans: ['json', 'help', 'resume', 'no-correction'],
    values: ['model', 'data', 'out', 'label', 'backend', ...TRAINING_VALUE_FLAGS],
  });
  if (flags.has('help')) return (out(FINETUNE_HELP), 0);
  if (positional.length) throw new UsageError(`finetune: unexpected argument '${positional[0]}'`);
  if (!flags.has('model')) throw new UsageError('finetune: --model is required (see lorafa finetune --help)');
  const options = trainingOptions('finetune', flags);
  const outDir = stringFlag(flags, 'out', join('out', `finetune-${options.method}`));
  const corpus = loadCorpus(stringFlag(flags, 'data', 'brown:fiction'));
  for (const warning of corpus.warnings) io.err(warning);
  const backendFlag = flags.get('backend');
  return withBackend('finetune', typeof backendFlag === 'string' ? backendFlag : undefined, async () => {
    // loaded after the backend is chosen: the model's tensors are created on it
    const loaded = loadBaseModel(stringFlag(flags, 'model', ''));
    const { tokenizer, fingerprint } = loaded;
    if (!flags.has('attention')) options.attention = configuredAttention(loaded.model);
    const model = withAttention(loaded.model, options.attention);
    if (options.seq > model.config.n_positions)
      throw new UsageError(
        `finetune: --seq ${options.seq} exceeds the model's n_positions ${model.config.n_positions}`,
      );
    const release = claimOutDir(outDir, io.err);
    try {
      return await run(model, tokenizer, fingerprint);
    } finally {
      release();
    }
  });

  async function run(
    model: ReturnType<typeof loadBaseModel>['model'],
    tokenizer: ReturnType<typeof loadBaseModel>['tokenizer'],
    fingerprint: ReturnType<typeof loadBaseModel>['fingerprint'],
  ): Promise<number> {
    const label = stringFlag(
      flags,
      'label',
      options.method +
        (options.correction || options.method === 'full' || options.method === 'lora' ? '' : ' (no correction)'),
    );
    const progress = new Progress(label, options.steps, 0);
    const result = await train({
      model,
      tokenizer,
      corpus,
      options,
      out: outDir,
      resume: flags.has('resume'),
      progress,
      modelFingerprint: fingerprint,
    });
    if (result.stoppedAt) {
      const { step, loss } = result.stoppedAt;
      const kept = result.lastCheckpoint
        ? `the last good checkpoint, ${result.lastCheckpoint.path}, holds step ${result.lastCheckpoint.step}: continue from it with --resume and a lower --lr`
        : `no checkpoint was written before it (rerun with a lower --lr${options.checkpointEvery > 1 ? ' or a smaller --checkpoint-every' : ''})`;
      throw new NumericalFailure(
        `loss became ${loss} at step ${step}; the run stopped before updating and wrote nothing new; ${kept}`,
      );
    }
    await moveParametersToHost(model); // from a device backend, so that they can be written
    if (result.adapters.length)
      savePeftAdapter(join(outDir, 'adapter'), result.adapters, {
        fanInFanOut: true,
        init: options.init === 'anisotropic' ? undefined : options.init,
      });
    else saveGpt2(model, join(outDir, 'model'));
    const summary = summarize(result, label);
    writeFileAtomic(
      join(outDir, 'metrics.json'),
      `${JSON.stringify({ options, corpus: corpus.name, ...summary }, null, 1)}\n`,
    );
    if (flags.has('json')) out(JSON.stringify(summary));
    else {
      out(
        `${label}: held-out loss ${summary.evalLoss.toFixed(4)} (perplexity ${summary.perplexity.toFixed(2)}), ${summary.trainableParams.toLocaleString('en')} trainable parameters, ${Math.round(summary.tokensPerSecond).toLocaleString('en')} tokens/s`,
      );
      out(
        `wrote ${outDir}/${result.adapters.length ? 'adapter' : 'model'} and ${outDir}/metrics.json${result.lastCheckpoint ? `; checkpoint ${result.lastCheckpoint.path}` : ''}`,
      );
    }
    return 0;
  }
}
