import type { DType, Tensor } from '@lorafa/tensor';
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
 */
export class OpContext {
  readonly inputShapes: readonly (readonly number[])[];
  readonly inputDTypes: readonly DType[];
  private savedTensors: (Tensor | null)[] = [];
  private savedIds: number[] = [];
  private released = false;

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
   * Declares the tensors backward needs. Call once or more, in forward only. A `null` keeps
   * its slot in `saved` without keeping anything alive: ops pass null for a tensor that only
   * the gradient of an input that needs none would use.
   */
  save(...tensors: (Tensor | null)[]): void {
    if (!this.tape) return; // not recording: nothing will run backward
    if (this.savedIds.length === 0) droppedGraphs.register(this, { ledger: this.tape.ledger, ids: this.savedIds }, this);
    for (const t of tensors) {
      this.savedTensors.push(t);
      if (t) this.savedIds.push(this.tape.ledger.retain(t, this.scope));
    }
  }

  /** The saved tensors, in the order saved (null where a slot was skipped). */
  get saved(): readonly (Tensor | null)[] {
    if (this.released) {
      throw new Error(`${this.opName}: saved tensors were freed by an earlier backward; pass { retainGraph: true } to backward to run it twice`);
    }
    return this.savedTensors;
  }

  /** Frees the saved tensors (after backward, or when the graph is dropped). */
  release(): void {
    if (this.released) return;
    this.released = true;
    droppedGraphs.unregister(this);
    for (const id of this.savedIds) this.tape?.ledger.release(id);
    this.savedTensors = [];
    this.savedIds = [];
  }
}
