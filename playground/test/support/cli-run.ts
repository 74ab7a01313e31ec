import * as T from '@lorafa/tensor';
import { loadCorpus } from '../../../packages/cli/src/data/corpus.js';
import { loadBaseModel } from '../../../packages/cli/src/training/base-model.js';
import { trainingOptions } from '../../../packages/cli/src/training/flags.js';
import { train } from '../../../packages/cli/src/training/trainer.js';

/**
 * The losses `lorafa finetune --model models/brown-base --data brown:fiction` computes for the
 * given flags, on cpu-fast, through the CLI's own loaders and trainer (no files written).
 */
export async function cliLosses(flags: Record<string, string>): Promise<number[]> {
  const previous = T.setBackend('cpu-fast');
  try {
    const { model, tokenizer } = loadBaseModel('models/brown-base');
    const options = trainingOptions('finetune', new Map(Object.entries(flags)));
    const result = await train({ model, tokenizer, corpus: loadCorpus('brown:fiction'), options });
    return result.history.losses.map((l) => l.loss);
  } finally {
    T.setBackend(previous.name);
  }
}
