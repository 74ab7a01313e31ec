import type { DType, Storage, Tensor } from '@lorafa/tensor';
import { releaseStorage } from '@lorafa/tensor';
import type { Tape } from './tape.js';
import type { SavedTensorLedger } from './saved-ledger.js';

/**
 * A graph dropped without backward (an evaluation run with grad on, say) is garbage-collected;
 * this registry then returns its saved bytes to the ledger, so live counts stay honest.
 */
const droppedGraphs = new FinalizationRegistry<{ ledger: SavedTensorLedger; ids: number[] }>(({ ledger, ids }) => {
  for (const id of ids) ledger.release(id);
});

/**
 * What a forward function may hand to its backward. `save(...)` is the only way to keep a
 * tensor: the node stores nothing else from forward but input shapes and dtypes (plain
 * metadata), so an op that does not save X does not keep X alive.
 *
 * Storage ownership: whatever forward allocates and neither returns nor saves is a temporary,
 * released for reuse as soon as forward returns. A forward that fills a cache of its own (a
 * tensor meant to outlive this call) must allocate it inside `keep(() => ...)` from
 * @lorafa/tensor, which hands those storages to the caller.
 */
export class OpContext {
  readonly inputShapes: readonly (readonly number[])[];
  readonly inputDTypes: readonly DType[];
  private savedTensors: (Tensor | null)[] = [];
  private savedIds: number[] = [];
  private released = false;
  private saveCalled = false;
  private forwardDone = false;
  /** Storages this op's forward allocated and saved (not its output): nobody else can hold them. */
  private ownSaved = new Set<Storage>();

  constructor(
    readonly opName: string,
    inputs: readonly Tensor[],
    /** Which inputs need a gradient; backward may return null for the others. */
    readonly needsInputGrad: readonly boolean[],
    private readonly tape: Tape | null,
    readonly scope: string,
  ) {
    this.inputShapes = inputs.map((t) => t.shape);
    this.inputDTypes = inputs.map((t) => t.dtype);
  }

  /**
   * Declares the tensors backward needs. Call it at most once, in forward only (as PyTorch's
   * `save_for_backward`): one call lists everything, so `saved` reads in the order written
   * there. A `null` keeps its slot in `saved` without keeping anything alive: ops pass null for
   * a tensor that only the gradient of an input that needs none would use. The ledger charges
   * the tensors to the op's scope and to the kind label open now (`withSavedKind`).
   */
  save(...tensors: (Tensor | null)[]): void {
    if (this.forwardDone) throw new Error(`${this.opName}: ctx.save may be called in forward only`);
    if (this.saveCalled) {
      throw new Error(`${this.opName}: ctx.save may be called once per forward; pass every tensor in one call`);
    }
    this.saveCalled = true;
    if (!this.tape) return; // not recording: nothing will run backward
    if (this.savedIds.length === 0)
      droppedGraphs.register(this, { ledger: this.tape.ledger, ids: this.savedIds }, this);
    for (const t of tensors) {
      this.savedTensors.push(t);
      if (t) this.savedIds.push(this.tape.ledger.retain(t, this.scope, this.tape.currentKind));
    }
  }

  /** The saved tensors, in the order saved (null where a slot was skipped). */
  get saved(): readonly (Tensor | null)[] {
    if (this.released) {
      throw new Error(
        `${this.opName}: saved tensors were freed by an earlier backward; pass { retainGraph: true } to backward to run it twice`,
      );
    }
    return this.savedTensors;
  }

  /**
   * Called with the storages forward allocated, once it has returned `output`: those it neither
   * returned nor saved were its temporaries and are released for reuse now; those it saved are
   * released with the saved tensors after backward. Only the output's backend is touched (a
   * backend delegating to another allocates inner storages its own ones hold).
   */
  adoptForwardStorages(allocated: ReadonlySet<Storage>, output: Tensor): void {
    this.forwardDone = true;
    const saved = new Set(this.savedTensors.map((t) => t?.storage));
    for (const storage of allocated) {
      if (storage === output.storage || storage.backend !== output.storage.backend) continue;
      if (saved.has(storage)) this.ownSaved.add(storage);
      else releaseStorage(storage);
    }
  }

  /**
   * Frees the saved tensors (after backward, or when the graph is dropped). Storages the op
   * allocated for itself go back to their backend, except any in `keep` (the gradients backward
   * just returned, which may be views of them).
   */
  release(keep: ReadonlySet<Storage> = new Set()): void {
    if (this.released) return;
    this.released = true;
    droppedGraphs.unregister(this);
    for (const id of this.savedIds) this.tape?.ledger.release(id);
    for (const storage of this.ownSaved) if (!keep.has(storage)) releaseStorage(storage);
    this.ownSaved.clear();
    this.savedTensors = [];
    this.savedIds = [];
  }
}
