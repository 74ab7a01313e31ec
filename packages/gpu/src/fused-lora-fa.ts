import type { LoraFaKernels, Storage, View } from '@lorafa/tensor';
import { fusedProductsSource, transposeView } from './kernels/fused-products.js';

/** What the fused kernels need from the backend: a matmul and a way to launch a generated kernel. */
export interface KernelLauncher {
  matmul(a: View, b: View): Storage;
  launch(kernel: string, length: number, source: () => string, inputs: readonly View[]): Storage;
}

const dense = (storage: Storage, rows: number, cols: number): View => ({
  storage,
  shape: [rows, cols],
  strides: [cols, 1],
  offset: 0,
});

/**
 * LoRA-FA's layer in four kernels forward-and-backward (see LoraFaKernels in @lorafa/tensor):
 * forward H = X Aᵀ, then Y = X W0ᵀ + s H Bᵀ + b in one pass; backward GB = G B, then
 * dX = G W0 + s GB A in one pass; and dB = c Gᵀ (H M) with the correction M = (A Aᵀ)⁻¹ applied to
 * H first, so the raw gradient s Gᵀ H is never written when the corrected one is asked for.
 */
export function fusedLoraFaKernels(backend: KernelLauncher): LoraFaKernels {
  return {
    forward(x, w0, a, b, bias, scaling) {
      const [n, out, r] = [x.shape[0]!, w0.shape[0]!, a.shape[0]!];
      const h = backend.matmul(x, transposeView(a));
      const hView = dense(h, n, r);
      const terms = [
        { left: x, right: transposeView(w0), scale: 1 },
        { left: hView, right: transposeView(b), scale: scaling },
      ];
      const inputs = [x, w0, hView, b, ...(bias ? [bias] : [])];
      const y = backend.launch('loraFa forward', n * out, () => fusedProductsSource(n, out, terms, bias), inputs);
      return { h, y };
    },
    inputGradient(g, w0, a, b, scaling) {
      const [n, inFeatures, r] = [g.shape[0]!, w0.shape[1]!, a.shape[0]!];
      const gb = dense(backend.matmul(g, b), n, r);
      const terms = [
        { left: g, right: w0, scale: 1 },
        { left: gb, right: a, scale: scaling },
      ];
      return backend.launch('loraFa dX', n * inFeatures, () => fusedProductsSource(n, inFeatures, terms, null), [
        g,
        w0,
        gb,
        a,
      ]);
    },
    weightGradient(g, h, scaling, inverseGram) {
      const [n, out, r] = [g.shape[0]!, g.shape[1]!, h.shape[1]!];
      const hm = inverseGram ? dense(backend.matmul(h, inverseGram), n, r) : h;
      const terms = [{ left: transposeView(g), right: hm, scale: inverseGram ? 1 / scaling : scaling }];
      return backend.launch('loraFa dB', out * r, () => fusedProductsSource(out, r, terms, null), [g, hm]);
    },
  };
}
