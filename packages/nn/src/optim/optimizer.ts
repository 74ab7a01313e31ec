import type * as T from '@lorafa/tensor';
import type { Variable } from '@lorafa/autograd';

/**
 * Parameters given to an optimizer: variables, or named pairs such as `module.namedParameters()`
 * (names key the saved state).
 */
export type ParameterList = Iterable<Variable> | Iterable<readonly [string, Variable]>;

/** A parameter with the name that keys its optimizer state. */
export interface NamedParameter {
  name: string;
  parameter: Variable;
}

/**
 * A map applied to each parameter's gradient before an optimizer uses it (LoRA-FA's corrected
 * gradient, say). It gets the raw `.grad` and must return a tensor of the same shape and dtype.
 */
export type GradientTransform = (gradient: T.Tensor, parameter: NamedParameter) => T.Tensor;

/** Names unnamed parameters by position ('0', '1', ...) and rejects a name given twice. */
export function nameParameters(parameters: ParameterList): NamedParameter[] {
  const named = [...(parameters as Iterable<Variable | readonly [string, Variable]>)].map((entry, i) =>
    Array.isArray(entry)
      ? { name: entry[0] as string, parameter: entry[1] as Variable }
      : { name: String(i), parameter: entry as Variable },
  );
  const seen = new Set<string>();
  for (const { name } of named) {
    if (seen.has(name)) throw new Error(`optimizer: parameter name '${name}' appears twice`);
    seen.add(name);
  }
  return named;
}

/** Optimizer state as tensors by name plus the step count, so it can go into safetensors. */
export interface OptimizerState {
  /** Steps taken so far. */
  step: number;
  /** State tensors by `<parameter name>.<kind>` (e.g. `fc1.weight.exp_avg`). */
  tensors: Record<string, T.Tensor>;
}

/** What every optimizer offers: a step over the gradients, and its state for checkpoints. */
export interface Optimizer {
  /** The learning rate used by the next step (schedules set it before each step). */
  lr: number;
  /** Updates every parameter that has a gradient, from its `.grad`. */
  step(): void;
  /** Clears every parameter's gradient. */
  zeroGrad(): void;
  /** The optimizer's state (moments, step count) as named tensors, for a checkpoint. */
  stateDict(): OptimizerState;
  /** Restores state saved by `stateDict`, checking names and shapes. */
  loadStateDict(state: OptimizerState): void;
}
