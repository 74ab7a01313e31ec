import type { ArgReduceOp, ReduceOp } from '@lorafa/tensor';
import type { Layout } from '../codegen/layout.js';
import { indexExpression, mergeAxes, splitIndex } from '../codegen/layout.js';
import { isNaNCode } from '../codegen/scalar.js';

const COMBINE: Record<ReduceOp, (acc: string, x: string) => string> = {
  sum: (acc, x) => `${acc} + ${x}`,
  // NaN wins, as in the specification: once the accumulator is NaN it stays NaN.
  max: (acc, x) => `(${x} > ${acc} || ${isNaNCode(x)} ? ${x} : ${acc})`,
  min: (acc, x) => `(${x} < ${acc} || ${isNaNCode(x)} ? ${x} : ${acc})`,
};

/**
 * One output element per thread, walking its reduced block (the trailing axes) in row-major
 * order. The accumulator is float32; the specification accumulates sums in float64, so sums
 * agree to within k·ε·Σ|x| (the conformance suite's tolerance). max/min start from the first
 * element (so no ±Infinity literal is needed in the shader).
 */
export function reduceSource(
  op: ReduceOp,
  x: { shape: readonly number[]; strides: readonly number[]; offset: number },
  reducedRank: number,
): string {
  const rank = x.shape.length;
  const kept = mergeAxes(x.shape.slice(0, rank - reducedRank), [
    { strides: x.strides.slice(0, rank - reducedRank), offset: x.offset },
  ]);
  const block = mergeAxes(x.shape.slice(rank - reducedRank), [
    { strides: x.strides.slice(rank - reducedRank), offset: 0 },
  ]);
  const count = block.shape.reduce((p, s) => p * s, 1);
  const start = indexExpression(kept.layouts[0]!, 'c');
  const element = (p: string): string[] => [
    ...splitIndex(p, block.shape, 'b'),
    `const e = x[base + ${indexExpression(block.layouts[0]!, 'b')}];`,
  ];
  if (count === 0) return `function (x) { return ${op === 'sum' ? 0 : 'x[0]'}; }`;
  return [
    'function (x) {',
    ...splitIndex('this.thread.x', kept.shape, 'c'),
    `const base = ${start};`,
    `let acc = ${op === 'sum' ? '0' : `x[base]`};`,
    `for (let p = ${op === 'sum' ? 0 : 1}; p < ${count}; p++) {`,
    ...element('p'),
    `acc = ${COMBINE[op]('acc', 'e')};`,
    '}',
    'return acc;',
    '}',
  ].join('\n');
}

/** Index of the first extreme along the last axis; a NaN is the extreme (as in the specification). */
export function argReduceSource(op: ArgReduceOp, x: Layout & { shape: readonly number[] }): string {
  const rank = x.shape.length;
  const length = x.shape[rank - 1]!;
  const step = x.strides[rank - 1]!;
  const kept = mergeAxes(x.shape.slice(0, -1), [{ strides: x.strides.slice(0, -1), offset: x.offset }]);
  const better = op === 'argmax' ? '>' : '<';
  return [
    'function (x) {',
    ...splitIndex('this.thread.x', kept.shape, 'c'),
    `const base = ${indexExpression(kept.layouts[0]!, 'c')};`,
    'let best = 0;',
    'let bestValue = x[base];',
    'let done = 0;',
    `for (let i = 1; i < ${length}; i++) {`,
    `if (${isNaNCode('bestValue')}) { done = 1; }`,
    `const v = x[base + i * ${step}];`,
    `if (done === 0 && (v ${better} bestValue || ${isNaNCode('v')})) { best = i; bestValue = v; }`,
    '}',
    'return best;',
    '}',
  ].join('\n');
}
