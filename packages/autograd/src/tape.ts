import type { SavedBytesReport } from './saved-ledger.js';
import { SavedTensorLedger } from './saved-ledger.js';

/**
 * One counter for every tape: a graph may span tapes (recorded partly inside `withTape`), and
 * backward's order must still be the order in which the nodes were created.
 */
let sequence = 0;

/**
 * The tape. Each recorded op becomes a node stamped with the next sequence number; a
 * node points to the nodes that produced its inputs, never to the inputs' values. Backward
 * replays the nodes reachable from the output in reverse sequence order.
 *
 * The tape also owns the ledger of saved tensors, so `tape.savedBytes()` says exactly how much
 * memory the recorded graph keeps for backward, in total and per scope (a module path such as
 * `h.0.attn`, opened with `tape.scope(name, fn)`), and within a scope per kind (what the saved
 * tensor is, such as a linear's input 'X' or LoRA's 'H' = X Aᵀ, named with `tape.kind(name, fn)`).
 */
export class Tape {
  /** The saved tensors' bytes, per storage and scope. */
  readonly ledger = new SavedTensorLedger();
  private readonly scopeStack: string[] = [];
  private readonly kindStack: string[] = [];

  /** The next node number (one counter for every tape). */
  nextSequence(): number {
    return ++sequence;
  }

  /** The dotted path of the scopes open now ('' at top level). */
  get currentScope(): string {
    return this.scopeStack.join('.');
  }

  /** Runs `fn` with `name` appended to the scope path; saved bytes are charged to that path. */
  scope<T>(name: string, fn: () => T): T {
    this.scopeStack.push(name);
    try {
      return fn();
    } finally {
      this.scopeStack.pop();
    }
  }

  /** The innermost kind label open now ('' for none). */
  get currentKind(): string {
    return this.kindStack.at(-1) ?? '';
  }

  /** Runs `fn` with the tensors saved inside it labelled `kind` (the innermost label wins). */
  kind<T>(kind: string, fn: () => T): T {
    this.kindStack.push(kind);
    try {
      return fn();
    } finally {
      this.kindStack.pop();
    }
  }

  /** What the recorded graph keeps for backward now, in total, per scope and per kind. */
  savedBytes(): SavedBytesReport {
    return this.ledger.report();
  }

  /** Starts a new peak measurement from the live bytes. */
  resetPeak(): void {
    this.ledger.resetPeak();
  }
}

let current = new Tape();

/** The tape ops record onto now. */
export function currentTape(): Tape {
  return current;
}

/** Records onto `tape` for the duration of `fn` (a fresh tape isolates a measurement). */
export function withTape<T>(tape: Tape, fn: () => T): T {
  const previous = current;
  current = tape;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Opens a named scope on the current tape. */
export function withScope<T>(name: string, fn: () => T): T {
  return current.scope(name, fn);
}

/**
 * Labels what ops save inside `fn` as `kind` on the current tape (`savedBytes().kinds`): the
 * code that knows what a saved tensor is names it, as LoRA names X and H = X Aᵀ.
 */
export function withSavedKind<T>(kind: string, fn: () => T): T {
  return current.kind(kind, fn);
}
