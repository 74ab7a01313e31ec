/**
 * The platform seam of the WebAssembly matmul (backend/cpu/wasm/platform/): worker_threads in
 * Node.js, and the kernel on an unshared memory, on the calling thread alone, where a runtime
 * has no shared memory (a page that is not cross-origin isolated). The Web Worker side runs in
 * Chromium: matmul-threads.browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { compileGemm, wasmGemm } from '../src/backend/cpu/wasm/gemm-runtime.js';
import { matmulWasm } from '../src/backend/cpu/wasm/matmul-wasm.js';
import { threadPlatform } from '../src/backend/cpu/wasm/platform/threads.js';

describe('the matmul platform seam', () => {
  it('uses worker_threads in Node.js, on a shared memory', () => {
    expect(threadPlatform?.name).toBe('node');
    expect(threadPlatform?.canBlock).toBe(true);
    expect(wasmGemm()?.shared).toBe(true);
  });

  it('runs on an unshared memory without helpers, bit-identical to the specification', () => {
    const gemm = compileGemm(false);
    expect(gemm).not.toBeNull();
    expect(gemm!.shared).toBe(false);
    expect(gemm!.memory.buffer).toBeInstanceOf(ArrayBuffer);
    const before = T.getNumThreads();
    try {
      T.setNumThreads(3); // asks for helpers: an unshared kernel has none to give its blocks to
      const a = T.uniform([2, 150, 300], -2, 2, { rng: new T.Rng(1), backend: 'cpu' });
      const b = T.uniform([190, 300], -2, 2, { rng: new T.Rng(2), backend: 'cpu' }).transpose();
      expect(matmulWasm(gemm!, a, b.expand([2, 300, 190]))).toEqual(T.matmul(a, b).dataSync());
      expect(gemm!.helpers).toHaveLength(0);
    } finally {
      T.setNumThreads(before);
    }
  });
});
