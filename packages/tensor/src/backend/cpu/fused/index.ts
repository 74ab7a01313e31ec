import type { TypedArray } from '../../../dtype.js';
import type { FusedKernels, Storage } from '../../backend.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './cross-entropy.js';
import { geluBackward, geluForward } from './gelu.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { layerNormForward, layerNormInputGradient, layerNormWeightGradients } from './layer-norm.js';

/**
 * The CPU's fused kernels (the same for `cpu` and `cpu-fast`): one loop nest each, float64
 * intermediates, no temporaries. `wrap` turns an output array into the backend's storage.
 */
export function createCpuFusedKernels(wrap: (data: TypedArray) => Storage): FusedKernels {
  return {
    gelu: (x, approximate) => wrap(geluForward(x, approximate)),
    geluBackward: (x, g, approximate) => wrap(geluBackward(x, g, approximate)),
    layerNorm: (x, weight, bias, eps) => {
      const { y, normalized, rstd } = layerNormForward(x, weight, bias, eps);
      return { y: wrap(y), normalized: wrap(normalized), rstd: wrap(rstd) };
    },
    layerNormInputGradient: (g, normalized, rstd, weight) => wrap(layerNormInputGradient(g, normalized, rstd, weight)),
    layerNormWeightGradients: (g, normalized) => {
      const { weight, bias } = layerNormWeightGradients(g, normalized);
      return { weight: wrap(weight), bias: wrap(bias) };
    },
    softmaxCrossEntropy: (logits, targets, ignoreIndex) => {
      const { loss, rowMax, rowLogSum } = softmaxCrossEntropyForward(logits, targets, ignoreIndex);
      return { loss: wrap(loss), rowMax: wrap(rowMax), rowLogSum: wrap(rowLogSum) };
    },
    softmaxCrossEntropyBackward: (logits, targets, rowMax, rowLogSum, g, ignoreIndex) =>
      wrap(softmaxCrossEntropyBackward(logits, targets, rowMax, rowLogSum, g, ignoreIndex)),
    attentionSoftmax: (x, scale, causal) => wrap(softmaxForward(x, scale, causal)),
    attentionSoftmaxBackward: (y, g, scale) => wrap(softmaxBackward(y, g, scale)),
  };
}
