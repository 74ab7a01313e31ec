import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as T from '@lorafa/tensor';
import type { OptimizerState } from '@lorafa/nn';
import { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from '@lorafa/nn/node';

/** Everything a run needs to continue bit for bit. */
export interface TrainingState {
  step: number;
  /** The data sampler's Rng state. */
  samplerState: number[];
  /** Trained tensors by name. */
  trainable: Record<string, T.Tensor>;
  optimizer: OptimizerState;
  /** Run history (losses, evaluations), carried over to the resumed run. */
  history: unknown;
  /** The options the run was started with; a resume must match them. */
  options: Record<string, unknown>;
}

/**
 * Writes `dir/checkpoint` atomically as a whole: the files go to a fresh temporary folder,
 * which then replaces the old checkpoint by rename. A crash leaves the old checkpoint intact.
 */
export function saveCheckpoint(dir: string, state: TrainingState): void {
  const target = join(dir, 'checkpoint');
  const temporary = join(dir, `.checkpoint-${process.pid}-${Date.now()}`);
  mkdirSync(temporary, { recursive: true });
  writeSafetensorsFile(join(temporary, 'trainable.safetensors'), state.trainable);
  writeSafetensorsFile(join(temporary, 'optimizer.safetensors'), state.optimizer.tensors);
  writeFileAtomic(
    join(temporary, 'state.json'),
    JSON.stringify({
      step: state.step,
      optimizerStep: state.optimizer.step,
      samplerState: state.samplerState,
      history: state.history,
      options: state.options,
    }),
  );
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(temporary, target);
  rmSync(old, { recursive: true, force: true });
}

export function loadCheckpoint(dir: string): TrainingState | null {
  const target = join(dir, 'checkpoint');
  if (!existsSync(join(target, 'state.json'))) return null;
  const meta = JSON.parse(readFileSync(join(target, 'state.json'), 'utf8'));
  return {
    step: meta.step,
    samplerState: meta.samplerState,
    trainable: readSafetensorsFile(join(target, 'trainable.safetensors')).tensors,
    optimizer: {
      step: meta.optimizerStep,
      tensors: readSafetensorsFile(join(target, 'optimizer.safetensors')).tensors,
    },
    history: meta.history,
    options: meta.options,
  };
}
