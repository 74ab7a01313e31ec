import { Module } from './module.js';

/** Submodules named '0', '1', ... (GPT-2's `h`), iterable in order. */
export class ModuleList<M extends Module> extends Module implements Iterable<M> {
  private readonly items: M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items.map((m, i) => this.registerModule(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    return this.items[i]!;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  protected override onChildReplaced(name: string, module: Module): void {
    this.items[Number(name)] = module as M;
  }
}
