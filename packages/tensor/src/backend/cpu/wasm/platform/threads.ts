import { webThreads } from './threads-browser.js';
import type { ThreadPlatform } from './thread-platform.js';

/**
 * The matmul's thread platform, chosen once at load time: Node.js (worker_threads, imported
 * only there), a cross-origin isolated page (Web Workers), or none (the calling thread alone).
 */
const runtime = globalThis as { process?: { versions?: { node?: string } } };

export const threadPlatform: ThreadPlatform | null =
  typeof runtime.process?.versions?.node === 'string' ? (await import('./threads-node.js')).nodeThreads : webThreads();
