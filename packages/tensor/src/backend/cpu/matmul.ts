import type { TypedArray } from '../../dtype.js';
import { allocateArray } from './pool.js';
import type { View } from '../backend.js';
import { dataOf } from './storage.js';
import { offsetsOf, rowStride } from './strided.js';
import { rowMajorCopy } from './elementwise.js';

/**
 * The specification matmul: for each batch, out[i, j] = Σ_p a[i, p] b[p, j], in i-p-j order so
 * the innermost loop walks a row of b and a row of the output. Every output sums over p in
 * increasing order, and the precision of the sum is part of the specification
 * (docs/architecture.md, "float32 matmul semantics"):
 * - float32: in float32, each step a rounded product then a rounded sum,
 *   acc ← fl32(acc + fl32(a·b)), as IEEE float32 arithmetic without fused multiply-add does (and
 *   so as the f32x4 WebAssembly kernel does, lane by lane). The product of two float32 values is
 *   exact in float64, and a float64 sum of two float32 values rounds to the same float32 as a
 *   float32 sum would (53 ≥ 2·24 + 2 bits), so the JavaScript below computes exactly that.
 * - float64 (and int32): in float64, rounded to the output dtype once.
 */
export function matmulStrided(a: View, bView: View): TypedArray {
  // The inner loop walks rows of b; a transposed b would stride through memory, so copy it
  // into row-major order first (O(k·n) next to the O(m·k·n) product).
  const b = rowStride(bView.strides) === 1 ? bView : rowMajorCopy(bView);
  const rank = a.shape.length;
  const m = a.shape[rank - 2]!;
  const k = a.shape[rank - 1]!;
  const n = b.shape[rank - 1]!;
  const batchShape = a.shape.slice(0, -2);
  const aStarts = offsetsOf(batchShape, a.strides.slice(0, -2), a.offset);
  const bStarts = offsetsOf(batchShape, b.strides.slice(0, -2), b.offset);
  const [aRow, aCol] = [a.strides[rank - 2]!, a.strides[rank - 1]!];
  const [bRow, bCol] = [b.strides[rank - 2]!, b.strides[rank - 1]!];
  const x = dataOf(a);
  const y = dataOf(b);
  const out = allocateArray(a.storage.dtype, aStarts.length * m * n);
  const float32 = a.storage.dtype === 'float32';
  const acc = float32 ? new Float32Array(n) : new Float64Array(n);
  for (let batch = 0; batch < aStarts.length; batch++) {
    const aBase = aStarts[batch]!;
    const bBase = bStarts[batch]!;
    const outBase = batch * m * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const aip = x[aBase + i * aRow + p * aCol]!;
        const bp = bBase + p * bRow;
        if (float32) for (let j = 0; j < n; j++) acc[j] += Math.fround(aip * y[bp + j * bCol]!);
        else for (let j = 0; j < n; j++) acc[j] += aip * y[bp + j * bCol]!;
      }
      for (let j = 0; j < n; j++) out[outBase + i * n + j] = acc[j]!;
    }
  }
  return out;
}
