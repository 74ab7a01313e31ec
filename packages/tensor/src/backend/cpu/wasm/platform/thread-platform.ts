import type { HelperData } from '../handover.js';

/**
 * The platform seam of the matmul's threads: how this runtime starts a helper thread, how many
 * processors it reports, and whether the calling thread may block. Node.js uses worker_threads
 * (threads-node.ts, imported dynamically and only when running in Node, so no `node:` module is
 * imported in a browser); a cross-origin isolated page uses Web Workers (threads-browser.ts);
 * anywhere else there is no platform and the kernel runs on the calling thread alone.
 */
export interface ThreadPlatform {
  readonly name: 'node' | 'web';
  /** Logical processors the runtime reports (1 where it cannot say). */
  availableParallelism(): number;
  /** Whether the calling thread may block in Atomics.wait (a page's main thread may not: it spins). */
  readonly canBlock: boolean;
  /**
   * Whether a new helper must announce that it runs (STARTING → IDLE) before it takes work: a
   * Web Worker starts only after the page yields to its event loop, and the matmul never yields.
   */
  readonly helpersAnnounceThemselves: boolean;
  /** Starts a helper running HELPER_LOOP on `data`; `onExit` runs if it dies. Throws if it cannot start. */
  startHelper(data: HelperData, onExit: () => void): void;
}
