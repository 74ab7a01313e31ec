import type { GPT2Attention } from '@lorafa/nn';
import type { LoraInit, LoraMethod } from '@lorafa/lorafa';

/** Every option of a training run (`lorafa finetune` and each method of `lorafa compare`). */
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
  /** How attention is computed; part of the run's identity (the saved bytes depend on it). */
  attention: GPT2Attention;
  seed: number;
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
}
