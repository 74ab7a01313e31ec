import * as T from '@lorafa/tensor';

/**
 * This machine's matmul peak, measured now: the best of `repeats` float32 products of two
 * size x size matrices on the default backend, in GFLOP/s (2·size³ FLOPs each). MFU divides
 * a run's achieved GFLOP/s by it, so both come from the same machine under the same load.
 */
export function measureMatmulPeak(size = 512, repeats = 5): number {
  const rng = new T.Rng(0);
  const a = T.randn([size, size], { rng });
  const b = T.randn([size, size], { rng });
  T.matmul(a, b).dataSync(); // warm-up: kernels compiled, threads started
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    T.matmul(a, b).dataSync();
    best = Math.min(best, performance.now() - started);
  }
  return (2 * size ** 3) / (best / 1000) / 1e9;
}
