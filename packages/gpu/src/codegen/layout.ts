/**
 * Index arithmetic for generated kernels. A kernel computes one output element per thread; the
 * thread's flat index `t` is split into coordinates of the output shape (last axis fastest), and
 * each input view is read at `offset + Σ coordinate_k · stride_k`. Shapes, strides and offsets
 * are written into the kernel source as literals, so every distinct layout compiles its own
 * kernel (cached by source) and strided or broadcast views are read in place, never copied.
 */

/** An input's layout over the output's axes: stride 0 on broadcast axes. */
export interface Layout {
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Drops axes of size 1 and merges neighbours that every layout walks contiguously
 * (stride_k = stride_{k+1} · size_{k+1}), so a dense view becomes one axis and its index is
 * `offset + t`. Returns the merged shape and each layout's merged strides.
 */
export function mergeAxes(
  shape: readonly number[],
  layouts: readonly Layout[],
): { shape: number[]; layouts: Layout[] } {
  const axes = shape
    .map((size, k) => ({ size, strides: layouts.map((l) => l.strides[k]!) }))
    .filter((a) => a.size !== 1);
  const merged: { size: number; strides: number[] }[] = [];
  for (const axis of axes) {
    const last = merged[merged.length - 1];
    if (last && last.strides.every((s, i) => s === axis.strides[i]! * axis.size)) {
      last.size *= axis.size;
      last.strides = axis.strides.slice();
    } else {
      merged.push({ size: axis.size, strides: axis.strides.slice() });
    }
  }
  return {
    shape: merged.map((a) => a.size),
    layouts: layouts.map((l, i) => ({ offset: l.offset, strides: merged.map((a) => a.strides[i]!) })),
  };
}

/**
 * Statements that split the flat index held in `flat` into coordinates `${prefix}0..` of
 * `shape`. Floor division on float32 is exact here because every index is below 2^24
 * (the backend refuses larger tensors), so a quotient never rounds across an integer.
 */
export function splitIndex(flat: string, shape: readonly number[], prefix: string): string[] {
  const lines: string[] = [];
  if (shape.length === 0) return lines;
  if (shape.length === 1) return [`const ${prefix}0 = ${flat};`];
  lines.push(`let ${prefix}r = ${flat};`);
  for (let k = shape.length - 1; k >= 1; k--) {
    lines.push(`const ${prefix}q${k} = Math.floor(${prefix}r / ${shape[k]});`);
    lines.push(`const ${prefix}${k} = ${prefix}r - ${prefix}q${k} * ${shape[k]};`);
    lines.push(`${prefix}r = ${prefix}q${k};`);
  }
  lines.push(`const ${prefix}0 = ${prefix}r;`);
  return lines;
}

/** `offset + Σ coordinate_k · stride_k`, leaving out zero strides. */
export function indexExpression(layout: Layout, prefix: string): string {
  const terms = layout.strides.flatMap((s, k) => (s === 0 ? [] : [s === 1 ? `${prefix}${k}` : `${prefix}${k} * ${s}`]));
  if (layout.offset !== 0 || terms.length === 0) terms.unshift(String(layout.offset));
  return terms.join(' + ');
}
