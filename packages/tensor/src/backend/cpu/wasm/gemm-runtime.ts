import type { KernelPrecision } from './gemm-module.js';
import { BLOCK_EXPORTS, FLOAT32_KERNEL, MAXIMUM_PAGES, gemmModuleBytes } from './gemm-module.js';
import type { HelperData } from './handover.js';
import { BLOCK_ARGUMENTS, CHUNK_PANELS, FAILED, IDLE, POSTED, SPIN_MS, STARTING } from './handover.js';
import { threadPlatform } from './platform/threads.js';
import type { WasmMemory, WasmModule } from './webassembly-api.js';
import { WASM } from './webassembly-api.js';

/**
 * The compiled matmul kernel and the threads that share its work.
 *
 * The module's memory is a shared WebAssembly.Memory. The main thread packs the operands into
 * it; then each `block` (one block of a's rows against the packed columns of b) is shared
 * between the main thread and helper threads, which instantiate the same module on the
 * same memory. The block's column panels are cut into chunks of CHUNK_PANELS, and every thread
 * takes the next chunk from a shared cursor (Atomics.add) until none is left, so a thread slowed
 * down by other work on the machine simply takes fewer. Every output element is still summed by
 * one thread, in the same order, so results do not depend on the number of threads.
 *
 * Handing work over is synchronous (handover.ts). A helper that dies is dropped; one that stops
 * answering in the middle of a block makes the matmul throw after HELPER_TIMEOUT_MS instead of
 * hanging. Helpers are worker_threads in Node.js and Web Workers in a cross-origin isolated
 * page (platform/threads.ts); without them, or without shared memory, the kernel runs on the
 * calling thread alone, on an unshared memory.
 * Threads: setNumThreads(n), else LORAFA_THREADS if set, else the machine's available
 * parallelism (at most 8).
 */
const HELPER_TIMEOUT_MS = 60_000;
const MAX_THREADS = 8;
/** Below this many multiply-adds a block runs on the main thread alone (a hand-over costs ~20 µs). */
const PARALLEL_MIN_MULTIPLY_ADDS = 2 ** 20;

type Block = (...args: number[]) => void;

interface Helper {
  state: Int32Array; // [state, ...BLOCK_ARGUMENTS]
}

export interface Gemm {
  memory: WasmMemory;
  module: WasmModule;
  /** The float64, float32 and float32-on-strided-a blocks (gemm-module.ts), in this order. */
  blocks: [Block, Block, Block];
  /** Whether `memory` is shared, so that helpers can run on it. */
  shared: boolean;
  helpers: Helper[];
  /** The next column panel to take, shared by all threads. */
  cursor: Int32Array;
}
/** Where a block's operands sit in the kernel's memory, and how they are laid out. */
export interface BlockLayout {
  /** Byte offsets of the packed a panels, the packed b panels and the c tile (of the first product). */
  a: number;
  b: number;
  c: number;
  rowPanels: number;
  columnPanels: number;
  depth: number;
  aPanelBytes: number;
  bPanelBytes: number;
  cRowBytes: number;
  /** Independent products of this layout packed one after another (default 1), and their spacing. */
  batches?: number;
  aBatchBytes?: number;
  bBatchBytes?: number;
  cBatchBytes?: number;
  /** a read in place (float32 only): a[r, p] of a panel at r·aRowBytes + p·aStepBytes; else a is packed. */
  aStrided?: { rowBytes: number; stepBytes: number };
}

/**
 * Runs the blocks' column panels chunk by chunk — a unit of work is one chunk of one product —
 * taking each unit from the shared cursor, until none is left. Every thread runs this loop:
 * HELPER_LOOP (handover.ts) repeats it in plain JavaScript (the 1–3 thread tests in
 * matmul-wasm.test.ts fail if the two disagree).
 */
function takeChunks(block: Block, cursor: Int32Array, arguments_: readonly number[]): void {
  const [a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes, cRowBytes, cPanelBytes] =
    arguments_ as number[];
  const [batches, aBatchBytes, bBatchBytes, cBatchBytes, aRowBytes, aStepBytes] = arguments_.slice(11) as number[];
  const chunks = Math.ceil(columnPanels! / CHUNK_PANELS);
  for (let unit = Atomics.add(cursor, 0, 1); unit < batches! * chunks; unit = Atomics.add(cursor, 0, 1)) {
    const batch = Math.floor(unit / chunks);
    const first = (unit - batch * chunks) * CHUNK_PANELS;
    block(
      a! + batch * aBatchBytes!,
      b! + batch * bBatchBytes! + first * bPanelBytes!,
      c! + batch * cBatchBytes! + first * cPanelBytes!,
      rowPanels!,
      Math.min(CHUNK_PANELS, columnPanels! - first),
      depth!,
      aPanelBytes!,
      bPanelBytes!,
      cRowBytes!,
      aRowBytes!,
      aStepBytes!,
    );
  }
}

function defaultThreads(): number {
  const available = Math.max(1, Math.min(MAX_THREADS, threadPlatform?.availableParallelism() ?? 1));
  const setting = globalThis.process?.env?.['LORAFA_THREADS'];
  if (setting === undefined || setting === '') return available;
  const configured = Number(setting);
  if (Number.isInteger(configured) && configured >= 1) return configured;
  console.warn(`LORAFA_THREADS='${setting}' is not a positive integer; using ${available} thread(s)`);
  return available;
}

let requestedThreads = defaultThreads();

/** Helpers that run and can take work (a Web Worker is STARTING until the page has yielded once). */
function readyHelpers(gemm: Gemm): Helper[] {
  return gemm.helpers.filter((helper) => Atomics.load(helper.state, 0) !== STARTING);
}

/** Threads the CPU fast path's matmul uses (the calling thread included). */
export function getNumThreads(): number {
  return compiled ? Math.min(requestedThreads, 1 + readyHelpers(compiled).length) : requestedThreads;
}

/**
 * Sets the threads the CPU fast path's matmul uses, like torch.set_num_threads; results do not
 * depend on it. Helper threads start on first use and stay (idle, unreferenced) afterwards.
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`setNumThreads: expected a positive integer, got ${threads}`);
  requestedThreads = threads;
  if (compiled) startHelpers(compiled, threads - 1);
}

/** Starts helpers until there are `count` (where the platform has threads and they can start). */
function startHelpers(gemm: Gemm, count: number): void {
  try {
    while (threadPlatform && gemm.shared && gemm.helpers.length < count) {
      const control = new SharedArrayBuffer(4 * (1 + BLOCK_ARGUMENTS));
      const data: HelperData = {
        module: gemm.module,
        memory: gemm.memory,
        control,
        cursorBuffer: gemm.cursor.buffer as SharedArrayBuffer,
      };
      const helper: Helper = { state: new Int32Array(control) };
      if (threadPlatform.helpersAnnounceThemselves) helper.state[0] = STARTING;
      threadPlatform.startHelper(data, () => {
        const at = gemm.helpers.indexOf(helper);
        if (at >= 0) gemm.helpers.splice(at, 1);
      });
      gemm.helpers.push(helper);
    }
  } catch {
    // No more threads (a sandbox, a limit): the kernel runs on the helpers it has.
  }
}

/**
 * The kernel on a shared memory (helpers can join) or, where the runtime has no shared memory,
 * on an unshared one (the calling thread alone); null where WebAssembly SIMD is unavailable.
 */
export function compileGemm(shared: boolean): Gemm | null {
  try {
    const bytes = gemmModuleBytes(shared);
    if (!WASM?.validate(bytes)) return null;
    const memory = new WASM.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared });
    const module = new WASM.Module(bytes);
    const exports = new WASM.Instance(module, { env: { memory } }).exports;
    const blocks: [Block, Block, Block] = [
      exports[BLOCK_EXPORTS.float64] as Block,
      exports[BLOCK_EXPORTS.float32] as Block,
      exports[BLOCK_EXPORTS.float32Strided] as Block,
    ];
    const cursor = new Int32Array(shared ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
    return { memory, module, blocks, shared, helpers: [], cursor };
  } catch {
    return null;
  }
}

let compiled: Gemm | null | undefined;

/** Compiles the kernel and starts the helpers once; null where WebAssembly SIMD is unavailable. */
export function wasmGemm(): Gemm | null {
  if (compiled !== undefined) return compiled;
  const sharedMemory = typeof SharedArrayBuffer === 'function';
  compiled = (sharedMemory ? compileGemm(true) : null) ?? compileGemm(false);
  if (compiled) startHelpers(compiled, requestedThreads - 1);
  return compiled;
}

/**
 * Runs the precision's block(a, b, c, rowPanels, columnPanels, depth, aPanelBytes, bPanelBytes,
 * cRowBytes) over every product of `layout`, the units of work (a chunk of column panels of one
 * product) shared between this thread and the helpers.
 */
export function runBlock(gemm: Gemm, precision: KernelPrecision, layout: BlockLayout): void {
  const { rowPanels, columnPanels, depth, batches = 1 } = layout;
  const work = batches * rowPanels * columnPanels * depth * precision.rows * precision.columns;
  if (layout.aStrided && precision !== FLOAT32_KERNEL) throw new Error('matmul: a strided a is float32 only');
  const which = precision !== FLOAT32_KERNEL ? 0 : layout.aStrided ? 2 : 1;
  const arguments_ = [
    layout.a,
    layout.b,
    layout.c,
    rowPanels,
    columnPanels,
    depth,
    layout.aPanelBytes,
    layout.bPanelBytes,
    layout.cRowBytes,
    precision.columns * precision.bytes, // cPanelBytes
    which,
    batches,
    layout.aBatchBytes ?? 0,
    layout.bBatchBytes ?? 0,
    layout.cBatchBytes ?? 0,
    layout.aStrided?.rowBytes ?? 0,
    layout.aStrided?.stepBytes ?? 0,
  ];
  const units = batches * Math.ceil(columnPanels / CHUNK_PANELS);
  const helpers =
    work < PARALLEL_MIN_MULTIPLY_ADDS ? 0 : Math.min(requestedThreads - 1, gemm.helpers.length, units - 1);
  const posted = helpers > 0 ? readyHelpers(gemm).slice(0, helpers) : [];
  Atomics.store(gemm.cursor, 0, 0);
  for (const helper of posted) {
    helper.state.set(arguments_, 1);
    Atomics.store(helper.state, 0, POSTED);
    Atomics.notify(helper.state, 0);
  }
  takeChunks(gemm.blocks[which], gemm.cursor, arguments_); // this thread too
  let failed = false;
  for (const helper of posted) {
    const started = Date.now();
    const spinUntil = performance.now() + SPIN_MS; // a helper's last chunk usually ends sooner than a wake-up
    while (Atomics.load(helper.state, 0) === POSTED && performance.now() < spinUntil);
    while (Atomics.load(helper.state, 0) === POSTED) {
      if (Date.now() - started > HELPER_TIMEOUT_MS) {
        throw new Error(
          `matmul: a helper thread stopped answering for ${HELPER_TIMEOUT_MS / 1000} s; run with setNumThreads(1) or LORAFA_THREADS=1`,
        );
      }
      if (threadPlatform?.canBlock) Atomics.wait(helper.state, 0, POSTED, 1000); // else spin: a page's main thread may not wait
    }
    failed ||= Atomics.load(helper.state, 0) === FAILED; // DONE or FAILED: only this thread changes it now
    Atomics.store(helper.state, 0, IDLE);
  }
  if (failed) throw new Error('matmul: a helper thread failed inside the WebAssembly kernel');
}
