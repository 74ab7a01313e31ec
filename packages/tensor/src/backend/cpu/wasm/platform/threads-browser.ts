import { HELPER_LOOP } from '../handover.js';
import type { ThreadPlatform } from './thread-platform.js';

/** The part of the Web platform this file uses (the project's TypeScript library has no DOM). */
interface WebGlobals {
  crossOriginIsolated?: boolean;
  SharedArrayBuffer?: unknown;
  navigator?: { hardwareConcurrency?: number };
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string };
  Worker?: new (
    url: string,
  ) => { postMessage(data: unknown): void; addEventListener(type: string, listener: () => void): void };
}

/** The helper program, given its data by the first message. */
const SOURCE = `onmessage = ({ data: { module, memory, control, cursorBuffer } }) => {${HELPER_LOOP}};`;

/** Whether this thread may call Atomics.wait: a page's main thread throws, a worker may. */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Web Workers as helpers, where the page is cross-origin isolated (COOP same-origin, COEP
 * require-corp): only then can it share a WebAssembly.Memory with them. Null elsewhere.
 */
export function webThreads(): ThreadPlatform | null {
  const web = globalThis as WebGlobals;
  const { Worker, Blob, URL } = web;
  if (!web.crossOriginIsolated || typeof web.SharedArrayBuffer !== 'function' || !Worker || !Blob || !URL) return null;
  let url: string | undefined; // one blob URL for every helper, made on first use
  return {
    name: 'web',
    availableParallelism: () => web.navigator?.hardwareConcurrency ?? 1,
    canBlock: mayBlock(),
    helpersAnnounceThemselves: true,
    startHelper(data, onExit) {
      url ??= URL.createObjectURL(new Blob([SOURCE], { type: 'text/javascript' }));
      const worker = new Worker(url);
      worker.addEventListener('error', onExit);
      worker.addEventListener('messageerror', onExit);
      worker.postMessage(data);
    },
  };
}
