/**
 * Runs `lorafa finetune ARGS` exactly as the CLI does, except that checkpoints are written
 * through a layer that kills this process with SIGKILL at file-system operation K:
 *   node --conditions=source --import tsx crash-at.ts K finetune-arguments...
 */
import { parseArguments, stringFlag } from '../../../packages/cli/src/arguments.js';
import { loadCorpus } from '../../../packages/cli/src/data/corpus.js';
import { loadBaseModel } from '../../../packages/cli/src/training/base-model.js';
import { TRAINING_VALUE_FLAGS, trainingOptions } from '../../../packages/cli/src/training/flags.js';
import { claimOutDir } from '../../../packages/cli/src/training/out-dir.js';
import { train } from '../../../packages/cli/src/training/trainer.js';
import { faultyFs } from './faulty-fs.js';

const [k, ...argv] = process.argv.slice(2);
const { flags } = parseArguments('finetune', argv, {
  booleans: ['resume', 'no-correction', 'json'],
  values: ['model', 'data', 'out', ...TRAINING_VALUE_FLAGS],
});
const out = stringFlag(flags, 'out', '');
const { model, tokenizer, fingerprint } = loadBaseModel(stringFlag(flags, 'model', ''));
claimOutDir(out, () => {});
await train({
  model,
  tokenizer,
  corpus: loadCorpus(stringFlag(flags, 'data', '')),
  options: trainingOptions('finetune', flags),
  out,
  resume: flags.has('resume'),
  modelFingerprint: fingerprint,
  checkpointFs: faultyFs(Number(k), 'kill'),
});
console.error(`crash-at: operation ${k} was never reached`);
