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
  seed: number;
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
}
