import type { Storage } from '@lorafa/tensor';

/**
 * Storages that hold model parameters (trainable or frozen). The saved-tensor ledger reports
 * them apart from activations: a weight that backward needs is kept alive by the model anyway,
 * so it costs no extra memory, while an activation exists only because backward saved it.
 */
const parameterStorages = new WeakSet<Storage>();

/** Records a storage as holding a model parameter. */
export function markParameterStorage(storage: Storage): void {
  parameterStorages.add(storage);
}

/** Whether a storage was marked as holding a model parameter. */
export function isParameterStorage(storage: Storage): boolean {
  return parameterStorages.has(storage);
}
