import type { TypedArray } from '../../dtype.js';
import type { View } from '../backend.js';
import { matmulTiled } from './matmul-tiled.js';
import { wasmGemm } from './wasm/gemm-runtime.js';
import { matmulWasm } from './wasm/matmul-wasm.js';

/**
 * The fast path's matmul: the WebAssembly SIMD kernel where the product is big enough to pay
 * for packing, the register-tiled JavaScript kernel below that (or where WebAssembly SIMD is
 * missing). Both are bit-identical to the specification, so the switch is invisible in results.
 */
const WASM_MIN_MULTIPLY_ADDS = 32 ** 3;

export function matmulFast(a: View, b: View): TypedArray {
  const rank = a.shape.length;
  const work = a.shape[rank - 2]! * a.shape[rank - 1]! * b.shape[rank - 1]!;
  const gemm = work >= WASM_MIN_MULTIPLY_ADDS ? wasmGemm() : null;
  return gemm ? matmulWasm(gemm, a, b) : matmulTiled(a, b);
}
