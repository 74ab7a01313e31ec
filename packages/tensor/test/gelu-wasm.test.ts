/**
 * The float32 tanh-GELU's f64x2 WebAssembly kernels (fused/gelu-wasm-module.ts) against their
 * specification, the JavaScript loops of fused/gelu.ts: the same float32 bits for every input.
 * Equality is Object.is per element, i.e. the same bits for every number (±0 told apart) and
 * NaN where the loop gives NaN; NaN payloads are not compared, as WebAssembly leaves them unspecified.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { geluTanhFloat32, geluTanhFloat32Backward } from '../src/backend/cpu/fused/gelu.js';
import {
  geluTanhFloat32BackwardWasm,
  geluTanhFloat32Wasm,
  geluWasmAvailable,
} from '../src/backend/cpu/fused/gelu-wasm.js';
import { CHUNK } from '../src/backend/cpu/fused/gelu-wasm-module.js';

/** The first index where the two arrays differ by Object.is, with both values; null if none. */
function firstDifference(expected: Float32Array, actual: Float32Array): string | null {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(expected[i], actual[i])) return `element ${i}: loop ${expected[i]}, wasm ${actual[i]}`;
  }
  return null;
}

/**
 * The float32 inputs x where fastExp's argument −2√(2/π)(x + 0.044715x³) crosses ∓700 (its
 * overflow and underflow cut-offs), with their float32 neighbours up to `ulps` either side.
 */
function aroundTheCutOffs(ulps: number): number[] {
  const argument = (x: number) => -2 * Math.sqrt(2 / Math.PI) * (x + x * x * x * 0.044715);
  let [low, high] = [0, 100]; // argument(x) falls from 0 to far below −700
  for (let i = 0; i < 200; i++) {
    const middle = (low + high) / 2;
    if (argument(middle) > -700) low = middle;
    else high = middle;
  }
  const bits = new Int32Array(new Float32Array([low]).buffer)[0]!;
  const near = Array.from({ length: 2 * ulps + 1 }, (_, i) => {
    const neighbour = new Float32Array(new Int32Array([bits + i - ulps]).buffer)[0]!;
    return neighbour;
  });
  return [...near, ...near.map((x) => -x)];
}

const CUT_OFFS = aroundTheCutOffs(4);
const SPECIAL = [
  Number.NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1.4e-45,
  -1.4e-45,
  1e-30,
  -1e-30,
  3.4028234663852886e38,
  -3.4028234663852886e38,
];

/** Any float32 (NaN, ±∞, ±0 and subnormals included), the GELU's working range, special values, the cut-offs. */
const float32Element = fc.oneof(
  fc.float(),
  fc.float({ min: -30, max: 30, noNaN: true }),
  fc.constantFrom(...SPECIAL),
  fc.constantFrom(...CUT_OFFS),
);

/** A Float32Array of `values` after `offset` elements of padding (1.5, never read). */
function withOffset(values: readonly number[], offset: number): Float32Array {
  const array = new Float32Array(offset + values.length).fill(1.5);
  array.set(values, offset);
  return array;
}

function forwardBoth(x: Float32Array, xStart: number, count: number) {
  const [loop, wasm] = [new Float32Array(count), new Float32Array(count).fill(7)];
  geluTanhFloat32(x, xStart, loop);
  expect(geluTanhFloat32Wasm(x, xStart, wasm)).toBe(true);
  return { loop, wasm };
}

function backwardBoth(x: Float32Array, xStart: number, g: Float32Array, gStart: number, count: number) {
  const [loop, wasm] = [new Float32Array(count), new Float32Array(count).fill(7)];
  geluTanhFloat32Backward(x, xStart, g, gStart, loop);
  expect(geluTanhFloat32BackwardWasm(x, xStart, g, gStart, wasm)).toBe(true);
  return { loop, wasm };
}

/** Deterministic float32 inputs: half random bit patterns (every exponent, NaN payloads), half in [−30, 30]. */
function pseudoRandomFloat32(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0; // mulberry32
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const bits = Uint32Array.from({ length: count }, next);
  const out = new Float32Array(bits.buffer);
  for (let i = 1; i < count; i += 2) out[i] = (bits[i]! / 2 ** 32) * 60 - 30;
  return out;
}

describe('float32 tanh-GELU: the Wasm kernels equal the JavaScript loops bit for bit', () => {
  it('runs here: Node has WebAssembly SIMD, so the properties below compare two implementations', () => {
    expect(geluWasmAvailable()).toBe(true);
  });

  it('forward, on any float32 inputs, any length and offset', () => {
    fc.assert(
      fc.property(fc.array(float32Element, { maxLength: 70 }), fc.nat(9), (values, offset) => {
        const { loop, wasm } = forwardBoth(withOffset(values, offset), offset, values.length);
        expect(firstDifference(loop, wasm)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('backward, on any float32 inputs and upstream gradients, any length and offsets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(float32Element, float32Element), { maxLength: 70 }),
        fc.nat(9),
        fc.nat(9),
        (pairs, xOffset, gOffset) => {
          const x = withOffset(
            pairs.map(([v]) => v),
            xOffset,
          );
          const g = withOffset(
            pairs.map(([, gradient]) => gradient),
            gOffset,
          );
          const { loop, wasm } = backwardBoth(x, xOffset, g, gOffset, pairs.length);
          expect(firstDifference(loop, wasm)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every float32 near the ±700 cut-offs of fastExp, and the special values', () => {
    const x = Float32Array.from([...CUT_OFFS, ...SPECIAL]);
    const forward = forwardBoth(x, 0, x.length);
    expect(firstDifference(forward.loop, forward.wasm)).toBeNull();
    const g = Float32Array.from(x, (_, i) => [1, -2.5, 0, -0, Infinity, Number.NaN][i % 6]!);
    const { loop, wasm } = backwardBoth(x, 0, g, 0, x.length);
    expect(firstDifference(loop, wasm)).toBeNull();
  });

  it('across chunks: 2·CHUNK + 13 elements at odd offsets (a partial last chunk, a partial last step)', () => {
    const count = 2 * CHUNK + 13;
    const x = pseudoRandomFloat32(count + 3, 1);
    const g = pseudoRandomFloat32(count + 7, 2);
    const forward = forwardBoth(x, 3, count);
    expect(firstDifference(forward.loop, forward.wasm)).toBeNull();
    const backward = backwardBoth(x, 3, g, 7, count);
    expect(firstDifference(backward.loop, backward.wasm)).toBeNull();
  });

  it('the backend kernel (fused.gelu / geluBackward, float32, tanh) gives the loop’s bits, also on a transposed view', () => {
    const fused = T.getBackend('cpu').fused!;
    const values = pseudoRandomFloat32(6 * 7, 3);
    const x = T.fromFlat(values, [6, 7], { dtype: 'float32', backend: 'cpu' });
    const g = T.fromFlat(pseudoRandomFloat32(6 * 7, 4), [7, 6], { dtype: 'float32', backend: 'cpu' });
    const xt = x.transpose(0, 1); // [7, 6], not row-major: the kernel copies it first
    const dense = xt.contiguous().dataSync() as Float32Array;
    const read = (storage: T.Storage) => new T.Tensor(storage, [7, 6]).dataSync() as Float32Array;
    const expectedForward = new Float32Array(42);
    geluTanhFloat32(dense, 0, expectedForward);
    expect(firstDifference(expectedForward, read(fused.gelu(xt, 'tanh')))).toBeNull();
    const expectedBackward = new Float32Array(42);
    geluTanhFloat32Backward(dense, 0, g.dataSync() as Float32Array, 0, expectedBackward);
    expect(firstDifference(expectedBackward, read(fused.geluBackward(xt, g, 'tanh')))).toBeNull();
  });
});
