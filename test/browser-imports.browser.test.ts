/**
 * In Chromium (the `browser` project of vitest.config.ts): the main entries of tensor, autograd,
 * nn and lorafa import in a page with no Node.js built-ins, and a forward and backward pass gives
 * the hand-computed values on the specification backend `cpu` and on the default `cpu-fast`,
 * whose WebAssembly matmul runs in the page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { Linear, mseLoss } from '@lorafa/nn';
import { loraFaLinear } from '@lorafa/lorafa';
import * as gpujs from 'gpu.js';
import { GPU } from 'gpu.js';
import { wasmGemm } from '../packages/tensor/src/backend/cpu/wasm/gemm-runtime.js';

const BACKENDS = ['cpu', 'cpu-fast'] as const;
const DEFAULT_BACKEND = getDefaultBackendName();

function getDefaultBackendName(): string {
  return T.zeros([1]).backend.name;
}

afterEach(() => {
  T.setBackend(DEFAULT_BACKEND);
});

describe('the packages in a browser', () => {
  it('run in a page with no Node.js', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('object');
    expect((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node).toBeUndefined();
    expect(DEFAULT_BACKEND).toBe('cpu-fast');
  });

  describe.each(BACKENDS)('on %s', (backend) => {
    it('trains a Linear layer with mseLoss: loss and gradients by hand', () => {
      T.setBackend(backend);
      const layer = new Linear(2, 1);
      layer.weight.assign(T.tensor([[1, 2]]));
      layer.bias!.assign(T.tensor([0.5]));
      const x = A.variable(
        T.tensor([
          [1, 1],
          [2, 0],
        ]),
      );
      const target = T.tensor([[4], [1]]);
      // y = [3.5, 2.5], y − t = [−0.5, 1.5], loss = (0.25 + 2.25) / 2
      const loss = mseLoss(layer.forward(x), target);
      loss.backward();
      expect(loss.value.backend.name).toBe(backend);
      expect(loss.item()).toBe(1.25);
      // dL/dy = 2 (y − t) / 2 = [−0.5, 1.5]; dW = Σ dy·x = [2.5, −0.5]; db = Σ dy = 1
      expect(Array.from(layer.weight.grad!.dataSync())).toEqual([2.5, -0.5]);
      expect(Array.from(layer.bias!.grad!.dataSync())).toEqual([1]);
    });

    it('runs loraFaLinear forward and backward: Y, dX and dB by hand', () => {
      T.setBackend(backend);
      const x = A.variable(T.tensor([[1, 2]]), { requiresGrad: true });
      const w0 = A.variable(T.eye(2)); // frozen
      const a = A.variable(T.tensor([[1, 1]])); // frozen, r = 1
      const b = A.variable(T.tensor([[1], [2]]), { requiresGrad: true });
      const scaling = 2;
      // H = x Aᵀ = 3; Y = x W0ᵀ + s H Bᵀ = [1, 2] + 6·[1, 2]
      const y = loraFaLinear(x, w0, a, b, null, scaling);
      expect(Array.from(y.value.dataSync())).toEqual([7, 14]);
      A.sum(y).backward();
      // G = [1, 1]: dX = G W0 + s (G B) A = [1, 1] + 2·3·[1, 1]; dB = s Gᵀ H = 2·3·[1, 1]ᵀ
      expect(Array.from(x.grad!.dataSync())).toEqual([7, 7]);
      expect(Array.from(b.grad!.dataSync())).toEqual([6, 6]);
    });
  });

  it('imports gpu.js (CommonJS, pre-bundled from its "browser" build) and has WebGPU and WebGL2', async () => {
    expect(typeof GPU).toBe('function');
    expect(gpujs.GPU).toBe(GPU);
    // The Chromium flags of vitest.config.ts: WebGPU through SwiftShader, WebGL2.
    expect(await GPU.isWebGPUAvailable()).toBe(true);
    const page = globalThis as unknown as {
      document: { createElement(tag: 'canvas'): { getContext(kind: string): unknown } };
    };
    expect(page.document.createElement('canvas').getContext('webgl2')).not.toBeNull();
  });

  it('runs the WebAssembly matmul of cpu-fast, bit-identical to the specification', () => {
    expect(wasmGemm()).not.toBeNull();
    // 64³ and a batched, transposed product: both large enough for the Wasm kernel (≥ 32³).
    for (const [aShape, bShape, transposeB] of [
      [[64, 64], [64, 64], false],
      [[2, 70, 90], [66, 90], true],
    ] as const) {
      const a = T.uniform([...aShape], -1, 1, { rng: new T.Rng(1), backend: 'cpu' });
      const b0 = T.uniform([...bShape], -1, 1, { rng: new T.Rng(2), backend: 'cpu' });
      const b = transposeB ? b0.transpose() : b0;
      const expected = T.matmul(a, b).dataSync();
      const fast = T.matmul(
        T.fromFlat(a.dataSync(), a.shape, { backend: 'cpu-fast' }),
        transposeB
          ? T.fromFlat(b0.dataSync(), b0.shape, { backend: 'cpu-fast' }).transpose()
          : T.fromFlat(b0.dataSync(), b0.shape, { backend: 'cpu-fast' }),
      );
      expect(fast.backend.name).toBe('cpu-fast');
      expect(fast.dataSync()).toEqual(expected);
    }
  });
});
