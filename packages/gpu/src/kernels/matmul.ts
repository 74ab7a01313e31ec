import type { View } from '@lorafa/tensor';
import { indexExpression, mergeAxes, splitIndex } from '../codegen/layout.js';

/**
 * Batched matrix product over strided views `[...batch, m, k] · [...batch, k, n]`: one output
 * element per thread, a dot product of length k read straight from both views (a transposed
 * operand is just other strides, never a copy). float32 accumulation in k order.
 */
export function matmulSource(a: View, b: View): string {
  const rank = a.shape.length;
  const [m, k, n] = [a.shape[rank - 2]!, a.shape[rank - 1]!, b.shape[rank - 1]!];
  const batch = mergeAxes(a.shape.slice(0, -2), [
    { strides: a.strides.slice(0, -2), offset: a.offset },
    { strides: b.strides.slice(0, -2), offset: b.offset },
  ]);
  const shape = [...batch.shape, m, n];
  const bat = batch.shape.length;
  const [aRow, aDepth] = [a.strides[rank - 2]!, a.strides[rank - 1]!];
  const [bDepth, bCol] = [b.strides[rank - 2]!, b.strides[rank - 1]!];
  return [
    'function (a, b) {',
    ...splitIndex('this.thread.x', shape, 'c'),
    `const ia = ${indexExpression(batch.layouts[0]!, 'c')} + c${bat} * ${aRow};`,
    `const ib = ${indexExpression(batch.layouts[1]!, 'c')} + c${bat + 1} * ${bCol};`,
    'let s = 0;',
    `for (let p = 0; p < ${k}; p++) {`,
    `s += a[ia + p * ${aDepth}] * b[ib + p * ${bDepth}];`,
    '}',
    'return s;',
    '}',
  ].join('\n');
}
