import type { View } from '@lorafa/tensor';
import { splitIndex } from '../codegen/layout.js';

/** One product term `scale · L R` of a fused kernel; L is m x k, R is k x n, both strided views. */
export interface ProductTerm {
  left: View;
  right: View;
  scale: number;
}

/**
 * out[i, j] = Σ_t scale_t · Σ_p L_t[i, p] R_t[p, j]  (+ bias[j]): several matrix products summed
 * into one m x n output by one kernel — the later products are the first one's epilogue, so no
 * intermediate m x n result is written. Kernel arguments: L_0, R_0, L_1, R_1, ..., then bias.
 */
export function fusedProductsSource(m: number, n: number, terms: readonly ProductTerm[], bias: View | null): string {
  const args = terms.flatMap((_, t) => [`l${t}`, `r${t}`]);
  if (bias) args.push('bias');
  const lines = [`function (${args.join(', ')}) {`, ...splitIndex('this.thread.x', [m, n], 'c')];
  const sum: string[] = [];
  terms.forEach(({ left, right, scale }, t) => {
    const k = left.shape[1]!;
    lines.push(`let acc${t} = 0;`);
    lines.push(`for (let p = 0; p < ${k}; p++) {`);
    lines.push(
      `acc${t} += l${t}[${left.offset} + c0 * ${left.strides[0]} + p * ${left.strides[1]}] * r${t}[${right.offset} + p * ${right.strides[0]} + c1 * ${right.strides[1]}];`,
    );
    lines.push('}');
    sum.push(scale === 1 ? `acc${t}` : `acc${t} * ${literal(scale)}`);
  });
  if (bias) sum.push(`bias[${bias.offset} + c1 * ${bias.strides[0]}]`);
  lines.push(`return ${sum.join(' + ')};`, '}');
  return lines.join('\n');
}

/** A number as a kernel literal (exponent notation is valid in WGSL, GLSL and JavaScript). */
function literal(x: number): string {
  const text = String(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** The transpose of a 2-D view, as a view (strides swapped, nothing copied). */
export const transposeView = (v: View): View => ({
  storage: v.storage,
  shape: [v.shape[1]!, v.shape[0]!],
  strides: [v.strides[1]!, v.strides[0]!],
  offset: v.offset,
});
