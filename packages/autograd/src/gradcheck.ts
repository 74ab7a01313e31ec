import * as T from '@lorafa/tensor';
import { noGrad } from './grad-mode.js';
import { Variable } from './variable.js';
import * as ops from './ops/index.js';

/** How `gradcheck` perturbs its inputs. */
export interface GradcheckOptions {
  /** Finite-difference step h (default 1e-3); inputs should sit farther than 2h from kinks. */
  eps?: number;
  /** Seed of the random projection that turns a tensor output into a scalar. */
  seed?: number;
  /** Indices of the inputs to differentiate (default: every float input). */
  wrt?: readonly number[];
}

/** What `gradcheckDetailed` found, per input. */
export interface GradcheckResult {
  /** The largest relative error over all checked inputs. */
  maxRelError: number;
  /** Per checked input: max |analytic − numeric| / max(max |numeric|, 1e-6). */
  perInput: { index: number; relError: number }[];
}

/**
 * Checks backward against central differences in float64. The output y = fn(inputs) is
 * projected on fixed random weights W, L = Σ y ⊙ W, so one backward checks the whole
 * Jacobian-vector product; each input element x_j is then perturbed and ∂L/∂x_j compared with
 * the fourth-order central difference
 *   (−L(x + 2h e_j) + 8 L(x + h e_j) − 8 L(x − h e_j) + L(x − 2h e_j)) / 12h,
 * whose truncation error is O(h⁴): with h = 1e-3 both it and rounding stay near 1e-12, so
 * agreement to 1e-6 is a meaningful test even for small gradients.
 */
export function gradcheckDetailed(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly T.Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const h = options.eps ?? 1e-3;
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (T.isFloat(t.dtype) ? [i] : []));
  for (const i of wrt) {
    if (inputs[i]!.dtype !== 'float64') {
      throw new Error(`gradcheck: input ${i} is ${inputs[i]!.dtype}; finite differences need float64 inputs`);
    }
  }
  const variables = inputs.map((t, i) => new Variable(t, { requiresGrad: wrt.includes(i) }));
  const output = fn(...variables);
  const weights = T.randn(output.shape, { dtype: output.dtype, rng: new T.Rng(options.seed ?? 1234) });
  const project = (y: Variable): Variable => ops.sum(ops.mul(y, weights));
  project(output).backward();

  const lossAt = (values: readonly T.Tensor[]): number =>
    noGrad(() => project(fn(...values.map((t) => new Variable(t)))).item());

  const perInput = wrt.map((index) => {
    const base = inputs[index]!;
    const flat = Float64Array.from(base.dataSync());
    const analytic = variables[index]!.grad?.dataSync() ?? new Float64Array(flat.length);
    let maxError = 0;
    let scale = 0;
    for (let j = 0; j < flat.length; j++) {
      const evaluate = (delta: number): number => {
        const moved = flat.slice();
        moved[j]! += delta;
        const values = inputs.slice();
        values[index] = T.fromFlat(moved, base.shape, { dtype: 'float64' });
        return lossAt(values);
      };
      const numeric = (-evaluate(2 * h) + 8 * evaluate(h) - 8 * evaluate(-h) + evaluate(-2 * h)) / (12 * h);
      maxError = Math.max(maxError, Math.abs(analytic[j]! - numeric));
      scale = Math.max(scale, Math.abs(numeric));
    }
    return { index, relError: maxError / Math.max(scale, 1e-6) };
  });
  return { maxRelError: Math.max(0, ...perInput.map((p) => p.relError)), perInput };
}

/** The largest relative error between backward and central differences (see gradcheckDetailed). */
export function gradcheck(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly T.Tensor[],
  options?: GradcheckOptions,
): number {
  return gradcheckDetailed(fn, inputs, options).maxRelError;
}
