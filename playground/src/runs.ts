import type { FromWorker, RunSettings } from './protocol.js';

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** One run as the page records it from the worker's messages. */
export interface Run {
  id: number;
  settings: RunSettings;
  label: string;
  color: string;
  status: 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';
  backend?: string;
  trainable?: number;
  losses: [number, number][];
  evals: [number, number][];
  correction: { step: number; cosine: number; condition: number }[];
  tokensPerSecond: number[];
  before?: string;
  after?: string;
  notes: string[];
}

export function newRun(id: number, settings: RunSettings): Run {
  const corrected = settings.method === 'lora-fa' || settings.method === 'lora-fb';
  const label = `#${id} ${settings.method}${corrected && !settings.correction ? ' (no correction)' : ''} r=${settings.rank} ${settings.optimizer} lr=${settings.lr}`;
  return {
    id,
    settings,
    label,
    color: PALETTE[(id - 1) % PALETTE.length]!,
    status: 'starting',
    losses: [],
    evals: [],
    correction: [],
    tokensPerSecond: [],
    notes: [],
  };
}

/** Applies one worker message to its run. */
export function record(run: Run, message: FromWorker): void {
  switch (message.type) {
    case 'started':
      run.status = 'running';
      run.backend = message.backend;
      run.trainable = message.trainable;
      break;
    case 'step':
      run.losses.push([message.step, message.loss]);
      run.tokensPerSecond.push(message.tokensPerSecond);
      break;
    case 'eval':
      run.evals.push([message.step, message.loss]);
      break;
    case 'correction':
      run.correction.push({ step: message.step, cosine: message.cosine, condition: message.condition });
      break;
    case 'generated':
      run[message.when] = message.text;
      break;
    case 'note':
      run.notes.push(message.text);
      break;
    case 'paused':
      run.status = message.paused ? 'paused' : 'running';
      break;
    case 'done':
      run.status = message.stoppedEarly ? 'stopped' : 'done';
      break;
    case 'error':
      run.status = 'failed';
      run.notes.push(message.message);
      break;
  }
}

/** The median of a run's tokens/s (the first step, which compiles kernels, is left out when there are more). */
export function medianTokensPerSecond(run: Run): number {
  const values = [...(run.tokensPerSecond.length > 1 ? run.tokensPerSecond.slice(1) : run.tokensPerSecond)].sort(
    (a, b) => a - b,
  );
  return values.length ? values[Math.floor(values.length / 2)]! : Number.NaN;
}
