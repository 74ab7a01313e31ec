import type { TypedArray } from '../../../dtype.js';
import { sizeOf } from '../../../shape.js';
import type { GeluApproximation, View } from '../../backend.js';
import { erf } from '../erf.js';
import { allocateOutput } from '../pool.js';
import { denseElements } from './dense.js';
import { fastExp } from './fast-exp.js';
import { geluTanhFloat32BackwardWasm, geluTanhFloat32Wasm } from './gelu-wasm.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * gelu(x), one pass: ½x(1 + tanh(u)) with u = √(2/π)(x + 0.044715x³) (x³ as x·x·x), or the
 * exact ½x(1 + erf(x/√2)). Both keep −0 as −0, as the composed form does. For float32 the tanh
 * form runs as x / (1 + e^(−2u)) with fastExp, the same function to within 1e-8 relative:
 * geluTanhFloat32 below, run as its bit-identical f64x2 WebAssembly kernel where the runtime has
 * WebAssembly SIMD (gelu-wasm.ts), else as the loop itself.
 */
export function geluForward(x: View, approximate: GeluApproximation): TypedArray {
  const { data, start } = denseElements(x);
  const out = allocateOutput(x.storage.dtype, sizeOf(x.shape));
  if (approximate === 'tanh' && out instanceof Float32Array && data instanceof Float32Array) {
    if (!geluTanhFloat32Wasm(data, start, out)) geluTanhFloat32(data, start, out);
  } else if (approximate === 'tanh') {
    for (let i = 0; i < out.length; i++) {
      const v = data[start + i]!;
      const t = Math.tanh((v + v * v * v * GELU_TANH_CUBIC) * SQRT_2_OVER_PI);
      out[i] = v * 0.5 * (t + 1);
    }
  } else {
    for (let i = 0; i < out.length; i++) {
      const v = data[start + i]!;
      out[i] = v * 0.5 * (erf(v * Math.SQRT1_2) + 1);
    }
  }
  return out;
}

/**
 * g · gelu′(x), one pass. With t = tanh(u):
 *   gelu_tanh′(x) = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²),
 * 1 − t² taken as (1 − t)(1 + t) (less cancellation near |t| = 1), and the second term dropped
 * where 1 − t² is exactly 0 so that a huge x² cannot make 0·∞. Exact:
 *   gelu′(x) = Φ(x) + x·φ(x) = ½(1 + erf(x/√2)) + x·e^(−x²/2)/√(2π).
 */
export function geluBackward(x: View, g: View, approximate: GeluApproximation): TypedArray {
  const xs = denseElements(x);
  const gs = denseElements(g);
  const [xd, x0, gd, g0] = [xs.data, xs.start, gs.data, gs.start];
  const out = allocateOutput(x.storage.dtype, sizeOf(x.shape));
  if (
    approximate === 'tanh' &&
    out instanceof Float32Array &&
    xd instanceof Float32Array &&
    gd instanceof Float32Array
  ) {
    if (!geluTanhFloat32BackwardWasm(xd, x0, gd, g0, out)) geluTanhFloat32Backward(xd, x0, gd, g0, out);
  } else if (approximate === 'tanh') {
    for (let i = 0; i < out.length; i++) {
      const v = xd[x0 + i]!;
      const square = v * v;
      const t = Math.tanh((v + square * v * GELU_TANH_CUBIC) * SQRT_2_OVER_PI);
      const sech2 = (1 - t) * (1 + t);
      const slope = sech2 === 0 ? 0 : 0.5 * v * sech2 * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * square);
      out[i] = gd[g0 + i]! * (0.5 * (1 + t) + slope);
    }
  } else {
    for (let i = 0; i < out.length; i++) {
      const v = xd[x0 + i]!;
      const cdf = 0.5 * (1 + erf(v * Math.SQRT1_2));
      out[i] = gd[g0 + i]! * (cdf + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI);
    }
  }
  return out;
}

/**
 * The float32 tanh-GELU, the specification of its Wasm kernel (gelu-wasm-module.ts, which runs
 * these float64 operations in this order, bit for bit): out[i] = gelu_tanh(x[xStart + i]).
 * ½x(1 + tanh u) = x·σ(2u) = x / (1 + e^(−2u)): one exp, and no cancellation where x ≪ 0.
 */
export function geluTanhFloat32(x: Float32Array, xStart: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[xStart + i]!;
    out[i] = v / (1 + fastExp(-2 * SQRT_2_OVER_PI * (v + v * v * v * GELU_TANH_CUBIC)));
  }
}

/**
 * Its gradient, likewise the Wasm kernel's specification: out[i] = g[gStart + i]·gelu_tanh′(x[xStart + i]).
 * With σ = σ(2u) = 1/(1 + e), e = e^(−2u): gelu′ = σ + 2x·σ(1 − σ)·u′, 1 − σ = e·σ.
 */
export function geluTanhFloat32Backward(
  x: Float32Array,
  xStart: number,
  g: Float32Array,
  gStart: number,
  out: Float32Array,
): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[xStart + i]!;
    const square = v * v;
    const e = fastExp(-2 * SQRT_2_OVER_PI * (v + square * v * GELU_TANH_CUBIC));
    const sigma = 1 / (1 + e);
    const slope =
      e === Infinity || e === 0 ? 0 : 2 * v * sigma * (e * sigma) * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * square);
    out[i] = g[gStart + i]! * (sigma + slope);
  }
}
