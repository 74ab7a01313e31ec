import { BLOCK_EXPORTS } from './gemm-module.js';
import type { WasmMemory, WasmModule } from './webassembly-api.js';

/**
 * How the calling thread hands a block of the matmul to a helper thread, synchronously, through
 * a small shared Int32Array per helper ([state, ...BLOCK_ARGUMENTS]):
 * STARTING (a Web Worker not yet running) → IDLE → POSTED (caller, with the arguments) →
 * DONE or FAILED (helper) → IDLE (caller).
 */
export const IDLE = 0,
  POSTED = 1,
  DONE = 2,
  FAILED = 3,
  STARTING = 4;
/**
 * a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes (the block's own
 * arguments), then cPanelBytes (how far apart the c tile's column panels are), which block to
 * run (0: float64, 1: float32, 2: float32 on strided a), and for several independent products
 * packed one after another (the batches of attention's q kᵀ, say): their number and how far apart
 * their a, b and c are; last, a's row and step strides in bytes (read by the strided block only).
 */
export const BLOCK_ARGUMENTS = 17;
/** Column panels (32 or 64 columns of b) a thread takes at a time. */
export const CHUNK_PANELS = 8;
/**
 * How long a thread waiting for the other side of a hand-over spins (re-reading the state word)
 * before it sleeps in Atomics.wait. Waking a sleeping thread cost hundreds of microseconds on the
 * 2-core virtual machines we measure on — as long as a whole block of a medium product — so a
 * helper that has just finished a block keeps polling for the next one for this long, and the
 * calling thread polls for its helpers' last chunks before it sleeps. A training step hands over
 * blocks every few milliseconds; an idle program's helpers sleep after this long.
 */
export const SPIN_MS = 2;

/** What a helper needs: the module, its shared memory, its own control words and the shared cursor. */
export interface HelperData {
  module: WasmModule;
  memory: WasmMemory;
  control: SharedArrayBuffer;
  cursorBuffer: SharedArrayBuffer;
}

/**
 * A helper's whole program after it has `module`, `memory`, `control` and `cursorBuffer` in
 * scope (plain JavaScript, run from source: no file to resolve in Node or in a page). It marks
 * itself IDLE, then waits for POSTED (spinning SPIN_MS, then sleeping) and runs takeChunks (gemm-runtime.ts) in the same order;
 * the 1–3 thread test in matmul-wasm.test.ts fails if the two disagree.
 */
export const HELPER_LOOP = `
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const blocks = [exports.${BLOCK_EXPORTS.float64}, exports.${BLOCK_EXPORTS.float32}, exports.${BLOCK_EXPORTS.float32Strided}];
const state = new Int32Array(control);
const cursor = new Int32Array(cursorBuffer);
Atomics.compareExchange(state, 0, ${STARTING}, ${IDLE});
Atomics.notify(state, 0);
for (;;) {
  let now;
  const spinUntil = performance.now() + ${SPIN_MS};
  while ((now = Atomics.load(state, 0)) !== ${POSTED} && performance.now() < spinUntil);
  while ((now = Atomics.load(state, 0)) !== ${POSTED}) Atomics.wait(state, 0, now);
  try {
    const [a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes, cPanelBytes, which, batches, aBatchBytes, bBatchBytes, cBatchBytes, aRowBytes, aStepBytes] = state.subarray(1, ${1 + BLOCK_ARGUMENTS});
    const block = blocks[which];
    const chunks = Math.ceil(columnPanels / ${CHUNK_PANELS});
    for (let unit = Atomics.add(cursor, 0, 1); unit < batches * chunks; unit = Atomics.add(cursor, 0, 1)) {
      const batch = Math.floor(unit / chunks);
      const first = (unit - batch * chunks) * ${CHUNK_PANELS};
      block(a + batch * aBatchBytes, b + batch * bBatchBytes + first * bPanelBytes, c + batch * cBatchBytes + first * cPanelBytes, rowPanels, Math.min(${CHUNK_PANELS}, columnPanels - first), depth, aPanelBytes, bPanelBytes, cRowBytes, aRowBytes, aStepBytes);
    }
    Atomics.store(state, 0, ${DONE});
  } catch {
    Atomics.store(state, 0, ${FAILED});
  }
  Atomics.notify(state, 0);
}`;
