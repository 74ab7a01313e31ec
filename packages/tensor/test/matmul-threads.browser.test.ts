/**
 * In Chromium (the `browser` project of vitest.config.ts, whose server sends COOP and COEP
 * headers, so the page is cross-origin isolated): the WebAssembly matmul of cpu-fast shares its
 * blocks with Web Workers over a shared memory, and gives the specification's bits.
 */
import { describe, expect, it, vi } from 'vitest';
import * as T from '@lorafa/tensor';
import { compileGemm, wasmGemm } from '../src/backend/cpu/wasm/gemm-runtime.js';
import { matmulWasm } from '../src/backend/cpu/wasm/matmul-wasm.js';
import { webThreads } from '../src/backend/cpu/wasm/platform/threads-browser.js';
import { threadPlatform } from '../src/backend/cpu/wasm/platform/threads.js';

/** Waits for the page's event loop to let the helpers start, as a program would between steps. */
async function untilThreads(threads: number, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (T.getNumThreads() < threads && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return T.getNumThreads();
}

describe('the WebAssembly matmul in a cross-origin isolated page', () => {
  it('has Web Workers and a shared memory', () => {
    expect((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated).toBe(true);
    expect(threadPlatform?.name).toBe('web');
    expect(threadPlatform?.canBlock).toBe(false); // the page's main thread may not Atomics.wait
    expect(wasmGemm()?.shared).toBe(true);
  });

  it.each([1, 2, 3])('gives the specification bits on %i thread(s)', async (threads) => {
    const before = T.getNumThreads();
    try {
      T.setNumThreads(threads);
      expect(await untilThreads(threads)).toBe(threads);
      // Blocks of 128 x 300 x 192 (≥ 2^20 multiply-adds, 6 chunks): split between the threads.
      const a = T.uniform([2, 150, 300], -2, 2, { rng: new T.Rng(threads), backend: 'cpu' });
      const b = T.uniform([190, 300], -2, 2, { rng: new T.Rng(9), backend: 'cpu' }).transpose();
      const fast = T.matmul(
        T.fromFlat(a.dataSync(), a.shape, { backend: 'cpu-fast' }),
        T.fromFlat(b.contiguous().dataSync(), b.shape, { backend: 'cpu-fast' }),
      );
      expect(fast.dataSync()).toEqual(T.matmul(a, b).dataSync());
    } finally {
      T.setNumThreads(before);
    }
  });
});

describe('the WebAssembly matmul in a page that is not cross-origin isolated', () => {
  it('has no Web Workers there', () => {
    vi.stubGlobal('crossOriginIsolated', false);
    try {
      expect(webThreads()).toBeNull();
    } finally {
      vi.unstubAllGlobals();
    }
    expect(webThreads()?.name).toBe('web');
  });

  it('runs on an unshared memory, bit-identical to the specification', () => {
    const gemm = compileGemm(false);
    expect(gemm?.shared).toBe(false);
    const a = T.uniform([70, 90], -2, 2, { rng: new T.Rng(4), backend: 'cpu' });
    const b = T.uniform([90, 66], -2, 2, { rng: new T.Rng(5), backend: 'cpu' });
    expect(matmulWasm(gemm!, a, b)).toEqual(T.matmul(a, b).dataSync());
  });
});
