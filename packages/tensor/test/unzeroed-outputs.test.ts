/**
 * Kernels that take their output from the pool unzeroed (allocateOutput) must write every element
 * of it. Each case runs a kernel twice, with the pool first holding arrays of the outputs' sizes
 * full of NaN, then full of 7 (what released storages leave behind), and expects the same bits:
 * an element the kernel skipped would keep the filler. The sizes are large enough to be pooled
 * (16 KiB and more).
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { recycleArray } from '../src/backend/cpu/pool.js';

const backend = T.getBackend('cpu-fast');
const fused = backend.fused!;
const random = (shape: number[], seed: number) =>
  T.uniform(shape, -3, 3, { rng: new T.Rng(seed), backend: 'cpu-fast' });

/** The bits of `run`'s outputs when the pool holds arrays of `lengths` elements full of `filler`. */
function bitsWithPoolOf(filler: number, lengths: number[], run: () => T.Storage[]): Uint32Array[] {
  for (const length of lengths) {
    for (let copy = 0; copy < 3; copy++) recycleArray('float32', new Float32Array(length).fill(filler));
  }
  return run().map((storage) => {
    const data = new T.Tensor(storage, [storage.length]).dataSync();
    return new Uint32Array(data.buffer, data.byteOffset, data.length);
  });
}

/** The first index where a and b differ, or −1. */
function firstDifference(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : a.length;
}

/** `run` gives the same bits whatever the pool's arrays held (−1: no element differs, per output). */
function writesEveryElement(lengths: number[], run: () => T.Storage[]): void {
  const afterNaN = bitsWithPoolOf(Number.NaN, lengths, run);
  const afterSevens = bitsWithPoolOf(7, lengths, run);
  expect(afterSevens.map((bits, k) => firstDifference(bits, afterNaN[k]!))).toEqual(afterNaN.map(() => -1));
}

describe('kernels with unzeroed outputs write every element', () => {
  it('layerNorm forward and its input gradient (rows of 8), its weight gradients (d = 4096)', () => {
    const [rows, d] = [4096, 8];
    const [x, g, weight, bias] = [random([rows, d], 1), random([rows, d], 2), random([d], 3), random([d], 4)];
    writesEveryElement([rows * d, rows], () => {
      const { y, normalized, rstd } = fused.layerNorm(x, weight, bias, 1e-5);
      const xHat = new T.Tensor(normalized, [rows, d]);
      const dx = fused.layerNormInputGradient(g, xHat, new T.Tensor(rstd, [rows]), weight);
      return [y, normalized, rstd, dx];
    });
    const [wide, wideGrad] = [random([4, 4096], 5), random([4, 4096], 6)];
    writesEveryElement([4096], () => {
      const { weight: dWeight, bias: dBias } = fused.layerNormWeightGradients(wideGrad, wide);
      return [dWeight, dBias];
    });
  });

  it('softmax cross-entropy, forward and backward, with ignored rows', () => {
    const [rows, classes] = [4096, 5];
    const logits = random([rows, classes], 7);
    const targets = T.fromFlat(
      Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? -100 : r % classes)),
      [rows],
      { dtype: 'int32', backend: 'cpu-fast' },
    );
    const g = T.scalar(1.5, { backend: 'cpu-fast' });
    writesEveryElement([rows, rows * classes], () => {
      const { loss, rowMax, rowLogSum } = fused.softmaxCrossEntropy(logits, targets, -100);
      const [m, s] = [new T.Tensor(rowMax, [rows]), new T.Tensor(rowLogSum, [rows])];
      return [loss, rowMax, rowLogSum, fused.softmaxCrossEntropyBackward(logits, targets, m, s, g, -100)];
    });
  });

  it('attention softmax, causal and not, forward and backward', () => {
    const shape = [2, 64, 64];
    const [x, g] = [random(shape, 8), random(shape, 9)];
    writesEveryElement([T.sizeOf(shape)], () => {
      const causal = fused.attentionSoftmax(x, 0.125, true);
      const full = fused.attentionSoftmax(x, 0.125, false);
      return [causal, full, fused.attentionSoftmaxBackward(new T.Tensor(causal, shape), g, 0.125)];
    });
  });

  it('elementwise kernels on broadcast and transposed views', () => {
    const [x, bias, column] = [random([4096, 8], 10), random([8], 11), random([4096, 1], 12)];
    writesEveryElement([4096 * 8], () =>
      [T.add(x, bias), T.mul(x, column), T.sub(bias, x), T.div(x, column), T.exp(x), x.transpose().contiguous()].map(
        (t) => t.storage,
      ),
    );
  });
});
