import type { Storage, Tensor } from '@lorafa/tensor';

export interface ByteCount {
  /** Bytes held right now by saved tensors. */
  live: number;
  /** The most bytes held at once since the last reset. */
  peak: number;
}

export interface SavedBytesReport extends ByteCount {
  /** The same counts per scope (module path); each storage is charged to the scope that saved it first. */
  scopes: Record<string, ByteCount>;
}

interface Entry {
  references: number;
  bytes: number;
  scope: string;
}

/** Storages are identified by number so the ledger itself never keeps one alive. */
const storageIds = new WeakMap<Storage, number>();
let nextStorageId = 1;
export function storageId(storage: Storage): number {
  let id = storageIds.get(storage);
  if (id === undefined) storageIds.set(storage, (id = nextStorageId++));
  return id;
}

/**
 * Exact accounting of the bytes that backward functions keep alive. A tensor counts with its
 * whole storage (a view keeps all of it alive), and a storage saved several times, by one op or
 * by many, counts once until its last saver releases it.
 */
export class SavedTensorLedger {
  private readonly entries = new Map<number, Entry>();
  private readonly total: ByteCount = { live: 0, peak: 0 };
  private readonly scopes = new Map<string, ByteCount>();

  retain(tensor: Tensor, scope: string): number {
    const id = storageId(tensor.storage);
    const entry = this.entries.get(id);
    if (entry) {
      entry.references++;
      return id;
    }
    const bytes = tensor.storageBytes;
    this.entries.set(id, { references: 1, bytes, scope });
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
    this.adjust(this.total, -entry.bytes);
    this.adjust(this.scopes.get(entry.scope)!, -entry.bytes);
  }

  report(): SavedBytesReport {
    const scopes: Record<string, ByteCount> = {};
    for (const [name, count] of this.scopes) scopes[name] = { ...count };
    return { ...this.total, scopes };
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
