import type { Storage, Tensor } from '@lorafa/tensor';
import { isParameterStorage } from './parameter-registry.js';

/** Bytes held now and at most, since the last reset. */
export interface ByteCount {
  /** Bytes held right now by saved tensors. */
  live: number;
  /** The most bytes held at once since the last reset. */
  peak: number;
}

/**
 * Activation bytes (`live`, `peak`, `scopes`, `kinds`) are storages that exist because backward
 * saved them. Parameter storages that backward saved (a weight for dX = dY W) are counted apart
 * in `parameters`: the model keeps them alive anyway.
 */
export interface SavedBytesReport extends ByteCount {
  /** Activation counts per scope (module path); a storage is charged to the scope that saved it first. */
  scopes: Record<string, ByteCount>;
  /**
   * The same counts split by kind within each scope: `kinds[scope][kind]`, the kind being the
   * label in force when the storage was first saved (`withSavedKind`: 'X', 'H', …), '' for none.
   * Summed over kinds, a scope's counts are `scopes[scope]`.
   */
  kinds: Record<string, Record<string, ByteCount>>;
  /** Bytes of parameter storages held by saved slots right now. */
  parameters: number;
}

interface Entry {
  references: number;
  bytes: number;
  scope: string;
  kind: string;
  parameter: boolean;
}

/** Storages are identified by number so the ledger itself never keeps one alive. */
const storageIds = new WeakMap<Storage, number>();
let nextStorageId = 1;
function storageId(storage: Storage): number {
  let id = storageIds.get(storage);
  if (id === undefined) {
    id = nextStorageId++;
    storageIds.set(storage, id);
  }
  return id;
}

/**
 * Exact accounting of the bytes that backward functions keep alive. A tensor counts with its
 * whole storage (a view keeps all of it alive), and a storage saved several times, by one op or
 * by many, counts once until its last saver releases it: to that first saver's scope and kind.
 * Parameter storages are kept apart.
 */
export class SavedTensorLedger {
  private readonly entries = new Map<number, Entry>();
  private readonly total: ByteCount = { live: 0, peak: 0 };
  private readonly scopes = new Map<string, ByteCount>();
  /** Keyed by scope, then kind. */
  private readonly kinds = new Map<string, Map<string, ByteCount>>();
  private parameterBytes = 0;

  retain(tensor: Tensor, scope: string, kind = ''): number {
    const id = storageId(tensor.storage);
    const entry = this.entries.get(id);
    if (entry) {
      entry.references++;
      return id;
    }
    const bytes = tensor.storageBytes;
    const parameter = isParameterStorage(tensor.storage);
    this.entries.set(id, { references: 1, bytes, scope, kind, parameter });
    if (parameter) {
      this.parameterBytes += bytes;
      return id;
    }
    for (const count of this.countsOf(scope, kind)) this.adjust(count, bytes);
    return id;
  }

  release(id: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (--entry.references > 0) return;
    this.entries.delete(id);
    if (entry.parameter) {
      this.parameterBytes -= entry.bytes;
      return;
    }
    for (const count of this.countsOf(entry.scope, entry.kind)) this.adjust(count, -entry.bytes);
  }

  report(): SavedBytesReport {
    const scopes: Record<string, ByteCount> = {};
    for (const [name, count] of this.scopes) scopes[name] = { ...count };
    const kinds: Record<string, Record<string, ByteCount>> = {};
    for (const [name, byKind] of this.kinds) {
      const copy: Record<string, ByteCount> = {};
      for (const [kind, count] of byKind) copy[kind] = { ...count };
      kinds[name] = copy;
    }
    return { ...this.total, scopes, kinds, parameters: this.parameterBytes };
  }

  /** Starts a new peak measurement from the current live bytes. */
  resetPeak(): void {
    this.total.peak = this.total.live;
    for (const count of this.scopes.values()) count.peak = count.live;
    for (const byKind of this.kinds.values()) for (const count of byKind.values()) count.peak = count.live;
  }

  /** The counts an activation storage of this scope and kind is charged to (created at first use). */
  private countsOf(scope: string, kind: string): ByteCount[] {
    if (!this.scopes.has(scope)) this.scopes.set(scope, { live: 0, peak: 0 });
    if (!this.kinds.has(scope)) this.kinds.set(scope, new Map());
    const byKind = this.kinds.get(scope)!;
    if (!byKind.has(kind)) byKind.set(kind, { live: 0, peak: 0 });
    return [this.total, this.scopes.get(scope)!, byKind.get(kind)!];
  }

  private adjust(count: ByteCount, delta: number): void {
    count.live += delta;
    count.peak = Math.max(count.peak, count.live);
  }
}
