/**
 * The backend's command queue. Kernel methods return their output storage at once and append
 * the work here; commands run one after another in the order they were issued, like a GPU
 * queue, so a storage's handle is always filled before a later command reads it, and a release
 * runs only after every command issued before it. Only `read` awaits the queue.
 *
 * A command that fails poisons the queue: later commands are skipped and every later read
 * rejects with the first error (the one that names the kernel that failed).
 */
export class CommandQueue {
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  /** Commands issued and not yet finished. */
  pending = 0;

  enqueue(label: string, command: () => void | Promise<void>): void {
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        if (this.failure === null) await command();
      } catch (error) {
        const cause = error instanceof Error ? error.message : String(error);
        this.failure = new Error(`${label} failed: ${cause}`, { cause: error });
      } finally {
        this.pending--;
      }
    });
  }

  /** Runs `query` after every command issued so far; rejects if any of them failed. */
  async after<R>(query: () => R | Promise<R>): Promise<R> {
    let result!: R;
    let queryError: unknown = null;
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        if (this.failure === null) result = await query();
      } catch (error) {
        queryError = error;
      } finally {
        this.pending--;
      }
    });
    await this.tail;
    if (this.failure !== null) throw this.failure;
    if (queryError !== null) throw queryError;
    return result;
  }

  /** The first failure, if any (the queue stays poisoned; create a new backend to recover). */
  get error(): Error | null {
    return this.failure;
  }
}
