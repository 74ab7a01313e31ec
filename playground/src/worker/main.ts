/**
 * The playground's Web Worker: every tensor, model and optimizer lives here, so the page stays
 * responsive while a run trains. Messages: protocol.ts.
 */
import * as T from '@lorafa/tensor';
import type { FromWorker, ToWorker } from '../protocol.js';
import type { Assets } from './assets.js';
import { fetchAssets, loadModel } from './assets.js';
import { probeBackends } from './backends.js';
import { corpusTokens, runTraining } from './run.js';
import { measureSavedBytes } from './saved-bytes.js';

const HOST = 'cpu-fast';
/** The parts of DedicatedWorkerGlobalScope used here (the project compiles against the DOM lib). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated: boolean;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromWorker) => scope.postMessage(message);

let assets: Assets | undefined;
let running: { runId: number; paused: boolean; stop: boolean; resume?: () => void } | null = null;
let queue: Promise<void> = Promise.resolve();

/**
 * Lets queued messages in (a macrotask), then waits while the run is paused. A pause is
 * acknowledged here, where the run halts: after the messages of the step that was running.
 */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(() => {
      if (running?.paused && !running.stop) {
        running.resume = resolve;
        post({ type: 'paused', runId: running.runId, paused: true });
      } else resolve();
    }, 0);
  });
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      T.setBackend(HOST);
      assets = await fetchAssets(message.baseUrl);
      const tokens = corpusTokens(assets);
      post({
        type: 'ready',
        backends: await probeBackends(),
        crossOriginIsolated: scope.crossOriginIsolated,
        trainTokens: tokens.train.length,
        heldOutTokens: tokens.heldOut.length,
        parameters: loadModel(assets)
          .parameters()
          .reduce((n, p) => n + p.size, 0),
      });
      return;
    }
    case 'saved-bytes': {
      if (!assets) throw new Error('saved-bytes before init');
      const { rank, batch, seq } = message;
      T.setBackend(HOST);
      const train = corpusTokens(assets).train;
      const ids = T.fromFlat(train.subarray(0, batch * seq), [batch, seq], { dtype: 'int32' });
      post({ type: 'saved-bytes', rows: measureSavedBytes(assets, ids, rank), tokens: batch * seq, rank });
      return;
    }
    case 'start': {
      if (!assets) throw new Error('start before init');
      running = { runId: message.runId, paused: false, stop: false };
      const control = running;
      try {
        await runTraining(message.runId, message.settings, assets, {
          post,
          checkpoint: yieldToMessages,
          stopped: () => control.stop,
        });
      } finally {
        running = null;
        T.setBackend(HOST);
      }
      return;
    }
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  // Pause, resume and stop act on the run in progress at once (a pause takes hold at the run's
  // next checkpoint, which acknowledges it); the rest queue behind it.
  if (message.type === 'pause' || message.type === 'resume' || message.type === 'stop') {
    if (!running) return;
    if (message.type === 'stop') running.stop = true;
    running.paused = message.type === 'pause';
    if (running.paused) return;
    const resume = running.resume;
    running.resume = undefined;
    resume?.();
    post({ type: 'paused', runId: running.runId, paused: false });
    return;
  }
  const runId = message.type === 'start' ? message.runId : null;
  queue = queue
    .then(() => handle(message))
    .catch((error: unknown) => post({ type: 'error', runId, message: (error as Error).message ?? String(error) }));
};
