import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HELPER_LOOP } from '../handover.js';
import type { ThreadPlatform } from './thread-platform.js';

/** The helper program, given its data by worker_threads. */
const SOURCE = `const { module, memory, control, cursorBuffer } = require('node:worker_threads').workerData;${HELPER_LOOP}`;

/** Node.js: helpers are worker_threads, running at once; the main thread may block. */
export const nodeThreads: ThreadPlatform = {
  name: 'node',
  availableParallelism,
  canBlock: true,
  helpersAnnounceThemselves: false,
  startHelper(workerData, onExit) {
    const worker = new Worker(SOURCE, { eval: true, workerData });
    worker.on('error', onExit).on('exit', onExit);
    worker.unref(); // helpers never keep the process alive
  },
};
