/** The messages between the page and its Web Worker (structured-clone plain data only). */
import type { Gpt2ActivationBreakdown, LoraInit, LoraMethod } from '@lorafa/lorafa';

/** Where a run computes: the names `lorafa --backend` takes. */
export const PLAYGROUND_BACKENDS = ['gpu:webgpu', 'gpu:webgl2', 'cpu-fast', 'cpu'] as const;
export type PlaygroundBackend = (typeof PLAYGROUND_BACKENDS)[number];

/** A run's settings, as the page's controls hold them (the CLI's flags, by the same names). */
export interface RunSettings {
  method: LoraMethod;
  correction: boolean;
  rank: number;
  alpha: number;
  optimizer: 'adamw' | 'sgd';
  lr: number;
  init: LoraInit;
  steps: number;
  batch: number;
  seq: number;
  evalBatches: number;
  seed: number;
  backend: PlaygroundBackend;
  prompt: string;
}

export interface BackendStatus {
  name: PlaygroundBackend;
  available: boolean;
  reason?: string;
}

/**
 * What a saved byte of this repository's GPT-2 is, named as the memory model names its terms
 * (`gpt2SavedActivations`): the linears' inputs X, the adapters' H = X Aᵀ, attention (q, k, v,
 * mask, scores, probabilities, row log-sum-exp), the LayerNorms, the MLP's activation (GELU),
 * and the embeddings, the head and the loss.
 */
export const SAVED_KINDS = [
  'linearX',
  'linearH',
  'attention',
  'layerNorms',
  'mlpActivation',
  'embeddingsHeadLoss',
] as const satisfies readonly (keyof Gpt2ActivationBreakdown)[];
/** One of {@link SAVED_KINDS}. */
export type SavedKind = (typeof SAVED_KINDS)[number];

/** Saved bytes per kind; `other` is whatever `savedBytesByKind` cannot name (zero for GPT-2). */
export type BytesByKind = Record<SavedKind | 'other', number>;

/** Saved-for-backward bytes of one forward pass and its loss, for one method, by kind. */
export interface SavedBytesRow {
  method: LoraMethod;
  /** Measured on the tape (`savedBytesByKind`). */
  measured: BytesByKind;
  /** The memory model's breakdown for the same batch, sequence and rank (`gpt2SavedActivations`). */
  modelled: Record<SavedKind, number>;
}

export type ToWorker =
  | { type: 'init'; baseUrl: string }
  | { type: 'start'; runId: number; settings: RunSettings }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'saved-bytes'; rank: number; batch: number; seq: number };

export type FromWorker =
  | {
      type: 'ready';
      backends: BackendStatus[];
      crossOriginIsolated: boolean;
      trainTokens: number;
      heldOutTokens: number;
      parameters: number;
    }
  | { type: 'saved-bytes'; rows: SavedBytesRow[]; tokens: number; rank: number }
  | { type: 'started'; runId: number; backend: string; trainable: number }
  | { type: 'step'; runId: number; step: number; loss: number; tokensPerSecond: number }
  | { type: 'eval'; runId: number; step: number; loss: number }
  | { type: 'correction'; runId: number; step: number; cosine: number; condition: number }
  | { type: 'note'; runId: number; text: string }
  | { type: 'generated'; runId: number; when: 'before' | 'after'; text: string }
  | { type: 'paused'; runId: number; paused: boolean }
  | { type: 'done'; runId: number; stoppedEarly: boolean }
  | { type: 'error'; runId: number | null; message: string };
