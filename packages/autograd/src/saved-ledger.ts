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
 * Activation bytes (`live`, `peak`, `scopes`) are storages that exist because backward saved
 * them. Parameter storages that backward saved (a weight for dX = dY W) are counted apart in
 * `parameters`: the model keeps them alive anyway.
 */
export interface SavedBytesReport extends ByteCount {
  /** Activation counts per scope (module path); a storage is charged to the scope that saved it first. */
  scopes: Record<string, ByteCount>;
  /** Bytes of parameter storages held by saved slots right now. */
  parameters: number;
}

interface Entry {
  references: number;
  bytes: number;
  scope: string;
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
 * by many, counts once until its last saver releases it. Parameter storages are kept apart.
 */
export class SavedTensorLedger {
  private readonly entries = new Map<number, Entry>();
  private readonly total: ByteCount = { live: 0, peak: 0 };
  private readonly scopes = new Map<string, ByteCount>();
  private parameterBytes = 0;

  retain(tensor: Tensor, scope: string): number {
    const id = storageId(tensor.storage);
    const entry = this.entries.get(id);
    if (entry) {
      entry.references++;
      return id;
    }
    const bytes = tensor.storageBytes;
    const parameter = isParameterStorage(tensor.storage);
    this.entries.set(id, { references: 1, bytes, scope, parameter });
    if (parameter) {
      this.parameterBytes += bytes;
      return id;
    }
    this.adjust(this.total, bytes);
    if (!this.scopes.has(scope)) this.scopes.set(scope, { live: 0, peak: 0 });
    this.adjust(this.scopes.get(scope)!, bytes);
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
    this.adjust(this.total, -entry.bytes);
    this.adjust(this.scopes.get(entry.scope)!, -entry.bytes);
  }

  report(): SavedBytesReport {
    const scopes: Record<string, ByteCount> = {};
    for (const [name, count] of this.scopes) scopes[name] = { ...count };
    return { ...this.total, scopes, parameters: this.parameterBytes };
  }

  /** Starts a new peak measurement from the current live bytes. */
  resetPeak(): void {
    this.total.peak = this.total.live;
    for (const count of this.scopes.values()) count.peak = count.live;
  }

  private adjust(count: ByteCount, delta: number): void {
    count.live += delta;
    count.peak = Math.max(count.peak, count.live);
  }
}
