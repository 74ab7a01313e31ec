/** The messages between the page and its Web Worker (structured-clone plain data only). */
import type { LoraInit, LoraMethod } from '@lorafa/lorafa';

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

/** Saved-for-backward bytes of one forward pass, per method, measured on the tape. */
export interface SavedBytesRow {
  method: LoraMethod;
  /** Bytes the adapted linears saved, by linear kind (c_attn, attn.c_proj, c_fc, mlp.c_proj), summed over blocks. */
  adapted: Record<string, number>;
  /** Everything else the tape saved (attention, layer norms, GELU, the head). */
  other: number;
  /** The memory model's activation bytes for this method (estimateMemory, 4-byte activations). */
  model: number;
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
