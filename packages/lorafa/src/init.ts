import * as T from '@lorafa/tensor';
import type { LoraInit, LoraMethod } from './config.js';

/** A random matrix of shape `shape` (fan-in = its second dimension) drawn by `init`. */
export function randomFactor(
  shape: [number, number],
  init: LoraInit,
  rank: number,
  options: { dtype: T.FloatDType; rng?: T.Rng },
): T.Tensor {
  const fanIn = shape[1];
  switch (init) {
    case 'gaussian':
      return T.randn(shape, { ...options, std: 1 / rank });
    case 'kaiming-uniform':
      return T.kaimingUniform(shape, options);
    case 'uniform': {
      const bound = Math.sqrt(3 / fanIn);
      return T.uniform(shape, -bound, bound, options);
    }
    case 'anisotropic': {
      const rows = shape[0];
      const scales = T.fromFlat(
        Array.from({ length: rows }, (_, i) => 10 ** (rows > 1 ? (-2 * i) / (rows - 1) : 0)),
        [rows, 1],
        { dtype: options.dtype },
      );
      return T.mul(T.randn(shape, { ...options, std: 1 / rank }), scales);
    }
  }
}

/**
 * A (r x in) and B (out x r) at the start. The trained side of a frozen pair must start at
 * zero and the frozen side random, or B A would stay zero for ever: lora and lora-fa draw A
 * and zero B; lora-fb draws B and zeroes A.
 */
export function initialFactors(
  method: Exclude<LoraMethod, 'full'>,
  shape: { inFeatures: number; outFeatures: number; rank: number },
  init: LoraInit,
  options: { dtype: T.FloatDType; rng?: T.Rng },
): { A: T.Tensor; B: T.Tensor } {
  const { inFeatures, outFeatures, rank } = shape;
  if (method === 'lora-fb') {
    return { A: T.zeros([rank, inFeatures], options), B: randomFactor([outFeatures, rank], init, rank, options) };
  }
  return { A: randomFactor([rank, inFeatures], init, rank, options), B: T.zeros([outFeatures, rank], options) };
}
