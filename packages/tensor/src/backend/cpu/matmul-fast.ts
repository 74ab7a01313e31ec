import type { TypedArray } from '../../dtype.js';
import type { View } from '../backend.js';
import { matmulTiled } from './matmul-tiled.js';
import { wasmGemm } from './wasm/gemm-runtime.js';
import { matmulWasm } from './wasm/matmul-wasm.js';
import type { Addend } from './matmul-store.js';
import { addendOf, addInPlace } from './matmul-store.js';

/**
 * The fast path's matmul: the WebAssembly SIMD kernel where the product is big enough to pay
 * for packing, the register-tiled JavaScript kernel below that (or where WebAssembly SIMD is
 * missing). Both are bit-identical to the specification, so the switch is invisible in results.
 */
const WASM_MIN_MULTIPLY_ADDS = 32 ** 3;

/**
 * A batched product whose b is the same matrix for every batch (a Linear's weight against a
 * [batch, seq, in] input, say) is one big product: when a's batch axes step over whole rows of
 * it, [...batch, m, k] @ [k, n] is [batch·m, k] @ [k, n] over the same memory, and the output's
 * row-major layout is the same either way. Each output is still the same sum in the same order,
 * so the result is bit-identical; b is packed once instead of once per batch, and the kernel
 * gets tall blocks. Returns the 2-D views, or null when the product does not have that form.
 */
export function foldBroadcastBatch(a: View, b: View): [View, View] | null {
  const rank = a.shape.length;
  if (rank <= 2) return null;
  let rows = a.shape[rank - 2]!;
  const rowStride = a.strides[rank - 2]!;
  for (let axis = rank - 3; axis >= 0; axis--) {
    const size = a.shape[axis]!;
    if (size === 1) continue;
    if (b.strides[axis] !== 0 || a.strides[axis] !== rowStride * rows) return null;
    rows *= size;
  }
  if (rows === a.shape[rank - 2]) return null; // nothing to fold
  const view = (v: View, shape: number[], strides: number[]): View => ({
    storage: v.storage,
    shape,
    strides,
    offset: v.offset,
  });
  return [
    view(a, [rows, a.shape[rank - 1]!], [rowStride, a.strides[rank - 1]!]),
    view(b, [b.shape[rank - 2]!, b.shape[rank - 1]!], [b.strides[rank - 2]!, b.strides[rank - 1]!]),
  ];
}

export function matmulFast(a: View, b: View): TypedArray {
  return product(a, b, null);
}

/** a b + c (c broadcast to the product's shape): the same bits as matmulFast then add, in one pass. */
export function matmulAddFast(a: View, b: View, c: View): TypedArray {
  return product(a, b, addendOf(c)); // c's rows are addressed before any fold: the output's rows stay in order
}

function product(a: View, b: View, addend: Addend | null): TypedArray {
  const folded = foldBroadcastBatch(a, b);
  if (folded) return product(...folded, addend);
  const rank = a.shape.length;
  const work = a.shape[rank - 2]! * a.shape[rank - 1]! * b.shape[rank - 1]!;
  const gemm = work >= WASM_MIN_MULTIPLY_ADDS ? wasmGemm() : null;
  if (gemm) return matmulWasm(gemm, a, b, addend);
  const out = matmulTiled(a, b);
  const n = b.shape[rank - 1]!;
  if (addend && n > 0) addInPlace(out, out.length / n, n, addend); // the product's rows, then c
  return out;
}
