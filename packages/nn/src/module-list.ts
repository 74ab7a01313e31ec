import { Module } from './module.js';

/**
 * Submodules named '0', '1', ... (GPT-2's `h`), iterable in order. A list is a container that
 * is never called itself, so its items carry its name in their scopes (`h.0`, `h.1`, ...).
 */
export class ModuleList<M extends Module> extends Module implements Iterable<M> {
  private readonly items: M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items.map((m, i) => this.registerModule(String(i), m));
  }

  /** The number of modules in the list. */
  get length(): number {
    return this.items.length;
  }

  /** The module at index i (no bounds check). */
  at(i: number): M {
    return this.items[i]!;
  }

  /** Iterates over the modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  protected override onRegistered(name: string): void {
    super.onRegistered(name);
    this.items.forEach((item, i) => (item.scopeName = `${name}.${i}`));
  }

  protected override onChildReplaced(name: string, module: Module): void {
    this.items[Number(name)] = module as M;
    module.scopeName = this.scopeName ? `${this.scopeName}.${name}` : name;
  }
}
