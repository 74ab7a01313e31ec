/**
 * The CPU's fused kernels (`backend.fused`, shared by cpu and cpu-fast): hand-computed values,
 * and the same bits whatever the operands' layout (permuted, sliced with an offset, or
 * contiguous). Their gradients and their agreement with the composed layers are tested in
 * autograd (gradients.test.ts) and nn (fused-layers.test.ts).
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { randomTensor } from '../../../test/support/arbitraries.js';

const fused = T.getBackend('cpu').fused!;
const read = (s: T.Storage, shape: number[]) => new T.Tensor(s, shape).dataSync();
const f64 = (values: number[], shape: number[]) => T.fromFlat(values, shape, { dtype: 'float64', backend: 'cpu' });
const onCpu = (t: T.Tensor) => T.fromFlat(t.dataSync(), t.shape, { dtype: t.dtype, backend: 'cpu' });

describe('fused kernels: hand-computed values', () => {
  it('gelu(1): 0.8413447460685429 exact, 0.8411919906082768 tanh (PyTorch gelu / gelu_new)', () => {
    const one = f64([1, -1], [2]);
    const [exact, tanh] = [read(fused.gelu(one, 'none'), [2]), read(fused.gelu(one, 'tanh'), [2])];
    expect(exact[0]).toBeCloseTo(0.8413447460685429, 15);
    expect(exact[1]).toBeCloseTo(0.8413447460685429 - 1, 15); // gelu(−x) = gelu(x) − x
    expect(tanh[0]).toBeCloseTo(0.8411919906082768, 15);
  });

  it('layerNorm of [1, 2, 3]: x̂ = (x − 2)·rstd with rstd = 1/√(2/3 + ε), y = 2x̂ + β', () => {
    const out = fused.layerNorm(f64([1, 2, 3], [1, 3]), f64([2, 2, 2], [3]), f64([0, 1, 0], [3]), 1e-5);
    const rstd = 1 / Math.sqrt(2 / 3 + 1e-5);
    expect([...read(out.rstd, [1])]).toEqual([rstd]);
    expect([...read(out.normalized, [1, 3])]).toEqual([-rstd, 0, rstd]);
    expect([...read(out.y, [1, 3])]).toEqual([-2 * rstd, 1, 2 * rstd]);
  });

  it('softmaxCrossEntropy: log(1 + 2) − 0 for logits [ln 2, 0] at target 1, ignored rows skipped', () => {
    const logits = f64([Math.log(2), 0, 7, 7], [2, 2]);
    const targets = T.fromFlat([1, -100], [2], { dtype: 'int32', backend: 'cpu' });
    const out = fused.softmaxCrossEntropy(logits, targets, -100);
    expect(read(out.loss, [])[0]).toBeCloseTo(Math.log(3), 15);
    expect([...read(out.rowMax, [2])]).toEqual([Math.log(2), 7]);
    expect(() => fused.softmaxCrossEntropy(logits, T.fromFlat([2, 0], [2], { dtype: 'int32' }), -100)).toThrow(
      /softmaxCrossEntropy: target 2 is out of range for 2 classes/,
    );
  });
});

describe('fused kernels read any layout', () => {
  // A [6, 4] tensor seen three ways: permuted from [4, 6], as rows 1..6 of a [7, 4] (offset 4),
  // and contiguous. Every kernel gives the same bits for all three.
  const base = onCpu(randomTensor([6, 4], 3));
  const layouts = () => {
    const permuted = onCpu(base.transpose()).contiguous().transpose();
    const padded = T.concat([onCpu(randomTensor([1, 4], 4)), base], 0).slice([{ start: 1 }]);
    expect(permuted.isContiguous).toBe(false);
    expect(padded.offset).toBe(4);
    return [base, permuted, padded];
  };
  const same = (run: (x: T.Tensor) => T.TypedArray) => {
    const [a, b, c] = layouts().map(run);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  };
  const g = onCpu(randomTensor([6, 4], 5));
  const [w, bias] = [onCpu(randomTensor([4], 6)), onCpu(randomTensor([4], 7))];

  it('gelu and its backward', () => {
    same((x) => read(fused.gelu(x, 'tanh'), [6, 4]));
    same((x) => read(fused.geluBackward(x, g, 'none'), [6, 4]));
    same((x) => read(fused.geluBackward(g, x, 'tanh'), [6, 4]));
  });

  it('layerNorm and its gradients', () => {
    same((x) => read(fused.layerNorm(x, w, bias, 1e-5).y, [6, 4]));
    const { normalized, rstd } = fused.layerNorm(base, w, bias, 1e-5);
    const [xHat, r] = [new T.Tensor(normalized, [6, 4]), new T.Tensor(rstd, [6])];
    same((gv) => read(fused.layerNormInputGradient(gv, xHat, r, w), [6, 4]));
    same((gv) => read(fused.layerNormWeightGradients(gv, xHat).weight, [4]));
  });

  it('softmaxCrossEntropy and its backward', () => {
    const targets = T.fromFlat([0, 3, -100, 1, 2, 2], [6], { dtype: 'int32', backend: 'cpu' });
    same((x) => read(fused.softmaxCrossEntropy(x, targets, -100).loss, []));
    const { rowMax, rowLogSum } = fused.softmaxCrossEntropy(base, targets, -100);
    const [m, s] = [new T.Tensor(rowMax, [6]), new T.Tensor(rowLogSum, [6])];
    same((x) => read(fused.softmaxCrossEntropyBackward(x, targets, m, s, f64([1.5], []), -100), [6, 4]));
  });

  it('are the same kernels on cpu-fast', () => {
    expect(Object.keys(T.getBackend('cpu-fast').fused!)).toEqual(Object.keys(fused));
    const onFast = T.fromFlat(base.dataSync(), [6, 4], { dtype: 'float64', backend: 'cpu-fast' });
    expect(new T.Tensor(T.getBackend('cpu-fast').fused!.gelu(onFast, 'tanh'), [6, 4]).dataSync()).toEqual(
      read(fused.gelu(base, 'tanh'), [6, 4]),
    );
  });
});
