import type { View } from '@lorafa/tensor';
import { indexExpression, splitIndex } from '../codegen/layout.js';

const product = (xs: readonly number[]): number => xs.reduce((p, s) => p * s, 1);

/**
 * `out[pre, j, post] = x[pre, indices[j], post]`, j running over the indices in row-major
 * order. Indices are read through their own strided view; they are not range-checked on the
 * device (the host-side ops check what they can).
 */
export function gatherSource(x: View, axis: number, indices: View): string {
  const count = product(indices.shape);
  const pre = x.shape.slice(0, axis);
  const post = x.shape.slice(axis + 1);
  const shape = [...pre, count, ...post];
  const xLayout = {
    offset: x.offset,
    strides: [...x.strides.slice(0, axis), 0, ...x.strides.slice(axis + 1)],
  };
  return [
    'function (x, indices) {',
    ...splitIndex('this.thread.x', shape, 'c'),
    ...splitIndex(`c${pre.length}`, indices.shape, 'j'),
    `const index = Math.round(indices[${indexExpression(indices, 'j')}]);`,
    `return x[${indexExpression(xLayout, 'c')} + index * ${x.strides[axis]}];`,
    '}',
  ].join('\n');
}

/**
 * The adjoint of gather: `out[pre, i, post] = Σ_{j: indices[j] = i} source[pre, j, post]`.
 * Written gather-style (each output element scans the indices) so that no two threads write
 * the same element; sums run in j order, as the specification's do.
 */
export function scatterAddSource(shape: readonly number[], axis: number, indices: View, source: View): string {
  const count = product(indices.shape);
  const pre = shape.slice(0, axis);
  const sourcePre = { offset: source.offset, strides: source.strides.slice(0, axis) };
  const indexAxes = indices.shape.length;
  const sourceIndexPart = { offset: 0, strides: source.strides.slice(axis, axis + indexAxes) };
  const sourcePost = { offset: 0, strides: source.strides.slice(axis + indexAxes) };
  const postNames = shape.slice(axis + 1).map((_, k) => `c${axis + 1 + k}`);
  const postTerms = postNames
    .map((name, k) => (sourcePost.strides[k] === 0 ? '' : ` + ${name} * ${sourcePost.strides[k]}`))
    .join('');
  const preExpr = pre.length === 0 ? String(source.offset) : indexExpression(sourcePre, 'c');
  return [
    'function (indices, source) {',
    ...splitIndex('this.thread.x', shape, 'c'),
    `const base = ${preExpr}${postTerms};`,
    'let s = 0;',
    `for (let p = 0; p < ${count}; p++) {`,
    ...splitIndex('p', indices.shape, 'j'),
    `if (Math.round(indices[${indexExpression(indices, 'j')}]) === c${axis}) {`,
    `s += source[base + ${indexExpression(sourceIndexPart, 'j')}];`,
    '}',
    '}',
    'return s;',
    '}',
  ].join('\n');
}
