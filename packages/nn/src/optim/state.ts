import * as T from '@lorafa/tensor';
import type { NamedParameter, OptimizerState } from './optimizer.js';

/**
 * Restores per-parameter state tensors `<name>.<kind>` with shape and key checks, reporting
 * every problem in one error.
 */
export function loadMoments(
  parameters: readonly NamedParameter[],
  state: OptimizerState,
  kinds: readonly string[],
  set: (name: string, kind: string, tensor: T.Tensor) => void,
): void {
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`optimizer state: invalid step ${state.step}`);
  const known = new Map(parameters.map((p) => [p.name, p.parameter]));
  const problems: string[] = [];
  const pending: [string, string, T.Tensor][] = [];
  for (const [key, tensor] of Object.entries(state.tensors)) {
    const dot = key.lastIndexOf('.');
    const [name, kind] = [key.slice(0, dot), key.slice(dot + 1)];
    const parameter = known.get(name);
    if (!parameter || !kinds.includes(kind)) {
      problems.push(`unexpected key ${key}`);
    } else if (!T.shapesEqual(tensor.shape, parameter.shape)) {
      problems.push(`${key}: expected shape ${T.formatShape(parameter.shape)}, got ${T.formatShape(tensor.shape)}`);
    } else {
      pending.push([name, kind, T.cast(tensor, parameter.dtype)]);
    }
  }
  if (problems.length) throw new Error(`optimizer state: ${problems.join('; ')}`);
  for (const [name, kind, tensor] of pending) set(name, kind, tensor);
}

/** Adam moments as optimizer state: `<name>.exp_avg` and `<name>.exp_avg_sq`. */
export function momentsToState(
  moments: ReadonlyMap<string, { m: T.Tensor; v: T.Tensor }>,
  step: number,
): OptimizerState {
  const tensors: Record<string, T.Tensor> = {};
  for (const [name, { m, v }] of moments) {
    tensors[`${name}.exp_avg`] = m;
    tensors[`${name}.exp_avg_sq`] = v;
  }
  return { step, tensors };
}

/** Reads Adam moments back, checking keys and shapes; both moments must be present. */
export function momentsFromState(
  parameters: readonly NamedParameter[],
  state: OptimizerState,
): Map<string, { m: T.Tensor; v: T.Tensor }> {
  const loaded = new Map<string, { m?: T.Tensor; v?: T.Tensor }>();
  loadMoments(parameters, state, ['exp_avg', 'exp_avg_sq'], (name, kind, tensor) => {
    const entry = loaded.get(name) ?? {};
    if (kind === 'exp_avg') entry.m = tensor;
    else entry.v = tensor;
    loaded.set(name, entry);
  });
  const moments = new Map<string, { m: T.Tensor; v: T.Tensor }>();
  for (const [name, { m, v }] of loaded) {
    if (!m || !v) throw new Error(`optimizer state: ${name} needs both exp_avg and exp_avg_sq`);
    moments.set(name, { m, v });
  }
  return moments;
}
