import type { Storage } from './backend.js';

/**
 * Who allocated what: backends report each new storage here, and `trackAllocations` collects
 * those created while a function runs. Autograd uses it to find the temporaries of a backward
 * function, which nobody else can hold, and release them for reuse at once.
 */
const trackers: Set<Storage>[] = [];

/** Called by backends for every storage they create. */
export function noteAllocation(storage: Storage): void {
  for (const tracker of trackers) tracker.add(storage);
}

/** Runs `fn`; returns its result and every storage allocated meanwhile (nested calls see theirs too). */
export function trackAllocations<R>(fn: () => R): { result: R; allocated: Set<Storage> } {
  const allocated = new Set<Storage>();
  trackers.push(allocated);
  try {
    return { result: fn(), allocated };
  } finally {
    trackers.splice(trackers.lastIndexOf(allocated), 1);
  }
}

/**
 * Runs `fn` with its allocations owned by the caller: no enclosing `trackAllocations` sees
 * them, so no `tidy`, autograd op forward or backward pass releases them. The one way to fill
 * a cache that outlives the call it is filled in (an optimizer's Gram factor built during a
 * step, say); anything allocated there without `keep` is a temporary of that call.
 */
export function keep<R>(fn: () => R): R {
  const outer = trackers.splice(0);
  try {
    return fn();
  } finally {
    trackers.unshift(...outer);
  }
}

/**
 * Gives a storage's memory back to its backend for reuse. Only for storages no tensor will
 * touch again: a CPU storage throws on any later use; other backends may not check.
 */
export function releaseStorage(storage: Storage): void {
  storage.backend.release?.(storage);
}

/** What `tidy` keeps: anything with a storage (a Tensor or a View). */
interface HasStorage {
  readonly storage: Storage;
}

/**
 * Runs `fn` and releases every storage it allocated except those of the tensors `keep(result)`
 * names — tf.tidy's idea, for code whose temporaries nobody else can see (an optimizer's update,
 * say). Only storages on the kept tensors' backends are released (see autograd's backward for
 * why), so `keep` must name at least one tensor for anything to be released.
 */
export function tidy<R>(fn: () => R, keep: (result: R) => readonly HasStorage[]): R {
  const { result, allocated } = trackAllocations(fn);
  const kept = keep(result);
  const keptStorages = new Set(kept.map((t) => t.storage));
  const backends = new Set(kept.map((t) => t.storage.backend));
  for (const storage of allocated) {
    if (backends.has(storage.backend) && !keptStorages.has(storage)) releaseStorage(storage);
  }
  return result;
}
