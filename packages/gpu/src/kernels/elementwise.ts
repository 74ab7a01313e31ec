import type { Layout } from '../codegen/layout.js';
import { indexExpression, mergeAxes, splitIndex } from '../codegen/layout.js';

/**
 * A map kernel: output element t is `value(x0[i0(t)], x1[i1(t)], ...)`, each input read through
 * its own strided layout over the output's shape (stride 0 where it broadcasts).
 */
export function mapSource(shape: readonly number[], inputs: readonly Layout[], value: (v: string[]) => string): string {
  const merged = mergeAxes(shape, inputs);
  const names = inputs.map((_, i) => `x${i}`);
  const reads = merged.layouts.map((layout, i) => `const v${i} = ${names[i]}[${indexExpression(layout, 'c')}];`);
  return [
    `function (${names.join(', ')}) {`,
    ...splitIndex('this.thread.x', merged.shape, 'c'),
    ...reads,
    `return ${value(inputs.map((_, i) => `v${i}`))};`,
    '}',
  ].join('\n');
}

/**
 * Assignment into a strided view of a storage of `length` elements, as a kernel that writes a
 * whole new buffer: element t keeps the old value unless t lies in the view, where it takes the
 * source's value. Finding whether t lies in the view inverts the view's index map by peeling
 * coordinates off largest stride first; that is exact for any view without self-overlap (every
 * view that permute, slice and reshape make of a dense buffer), which assignment requires.
 */
export function assignSource(
  length: number,
  destination: { shape: readonly number[]; strides: readonly number[]; offset: number },
  source: Layout,
): string {
  const axes = destination.shape
    .map((size, k) => ({ size, stride: destination.strides[k]!, sourceStride: source.strides[k]! }))
    .filter((a) => a.size !== 1)
    .sort((p, q) => q.stride - p.stride);
  const lines = [
    `function (old, src) {`,
    `const t = this.thread.x;`,
    `let rest = t - ${destination.offset};`,
    `let inside = rest >= 0 ? 1 : 0;`,
    `let s = ${source.offset};`,
  ];
  axes.forEach((axis, k) => {
    lines.push(`const d${k} = Math.floor(rest / ${axis.stride});`);
    lines.push(`if (d${k} >= ${axis.size}) { inside = 0; }`);
    lines.push(`rest = rest - d${k} * ${axis.stride};`);
    if (axis.sourceStride !== 0) lines.push(`s = s + d${k} * ${axis.sourceStride};`);
  });
  lines.push(`if (rest !== 0) { inside = 0; }`);
  lines.push(`if (inside === 1) { return src[s]; }`);
  lines.push(`return old[t];`, '}');
  void length;
  return lines.join('\n');
}
