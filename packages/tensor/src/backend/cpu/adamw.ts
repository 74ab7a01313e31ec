import type { TypedArray } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import type { AdamWStep, View } from '../backend.js';
import { denseElements } from './fused/dense.js';
import { allocateOutput } from './pool.js';

/**
 * AdamW's update in one pass over the parameter, its gradient and its two moments (see
 * `AdamWKernel` for the formulas). Each element is computed in float64 from the operands, the new
 * moments are stored first and the update reads them back as stored, so it uses the same rounded
 * m and v the composed form (nn's AdamW on tensor ops) would; the composed form also rounds each
 * intermediate, so the two agree to the dtype's precision, not bit for bit.
 */
export function adamWUpdate(
  param: View,
  grad: View,
  m: View | null,
  v: View | null,
  o: AdamWStep,
): { param: TypedArray; m: TypedArray; v: TypedArray } {
  const n = sizeOf(param.shape);
  const dtype = param.storage.dtype;
  const [p, g] = [denseElements(param), denseElements(grad)];
  const [m0, v0] = [m && denseElements(m), v && denseElements(v)];
  const [pOut, mOut, vOut] = [allocateOutput(dtype, n), allocateOutput(dtype, n), allocateOutput(dtype, n)];
  const [oneMinusBeta1, oneMinusBeta2] = [1 - o.beta1, 1 - o.beta2];
  const bias1 = 1 - o.beta1 ** o.step;
  const bias2 = 1 - o.beta2 ** o.step;
  for (let i = 0; i < n; i++) {
    const gi = g.data[g.start + i]!;
    mOut[i] = (m0 ? m0.data[m0.start + i]! * o.beta1 : 0) + gi * oneMinusBeta1;
    vOut[i] = (v0 ? v0.data[v0.start + i]! * o.beta2 : 0) + gi * gi * oneMinusBeta2;
  }
  const [pd, p0] = [p.data, p.start];
  if (o.rule === 'peft') {
    const stepSize = (o.lr * Math.sqrt(bias2)) / bias1;
    const decay = o.lr * o.weightDecay;
    for (let i = 0; i < n; i++) {
      const stepped = pd[p0 + i]! - (mOut[i]! / (Math.sqrt(vOut[i]!) + o.eps)) * stepSize;
      pOut[i] = decay !== 0 ? stepped - stepped * decay : stepped;
    }
  } else {
    const keep = 1 - o.lr * o.weightDecay;
    const [rootBias2, stepSize] = [Math.sqrt(bias2), o.lr / bias1];
    for (let i = 0; i < n; i++) {
      pOut[i] = pd[p0 + i]! * keep - (mOut[i]! / (Math.sqrt(vOut[i]!) / rootBias2 + o.eps)) * stepSize;
    }
  }
  return { param: pOut, m: mOut, v: vOut };
}
