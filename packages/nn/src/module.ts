import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';

/**
 * The base of every layer: named parameters, buffers and submodules, addressed by dotted
 * paths (`fc1.weight`, `h.0.attn.c_attn.weight`), a train/eval switch, and state dicts.
 *
 * Subclasses define `forward(...)`. It runs inside a tape scope named after the module's path,
 * so saved bytes are attributed per module, however it is called: `module.forward(x)` and
 * `module.call(x)` are the same call (the constructor wraps the subclass's `forward`).
 */
export abstract class Module {
  /** Training mode (dropout on); see `train` and `eval`. */
  training = true;
  /** The name this module was registered under by its parent (its tape scope; '' for none). */
  scopeName = '';
  private readonly ownParameters = new Map<string, Variable>();
  private readonly ownBuffers = new Map<string, T.Tensor>();
  private readonly ownChildren = new Map<string, Module>();

  constructor() {
    // The subclass's prototype is already in place here: wrap its forward in this module's scope.
    const forward = (this as { forward?: (...args: unknown[]) => unknown }).forward;
    if (typeof forward !== 'function') return;
    const scoped = (...args: unknown[]): unknown =>
      this.scopeName ? A.withScope(this.scopeName, () => forward.apply(this, args)) : forward.apply(this, args);
    Object.defineProperty(this, 'forward', { value: scoped, writable: true, configurable: true });
  }

  /** Runs `forward` (in this module's tape scope, as a direct call to `forward` does too). */
  call<Args extends unknown[], R>(this: Module & { forward(...args: Args): R }, ...args: Args): R {
    return this.forward(...args);
  }

  /** Registers a parameter under `name` (trainable unless `trainable: false`) and returns it. */
  protected registerParameter(name: string, value: T.Tensor, options: { trainable?: boolean } = {}): Variable {
    const parameter = A.parameter(value, name, options);
    this.ownParameters.set(name, parameter);
    return parameter;
  }

  /** Registers a tensor that is state but not a parameter (saved in state dicts, never trained). */
  protected registerBuffer(name: string, value: T.Tensor): T.Tensor {
    this.ownBuffers.set(name, value);
    return value;
  }

  /**
   * Registers a submodule under `name`, which becomes its tape scope. With `ownScope: false`
   * its saved bytes are charged to this module's scope instead (a layer that wraps another,
   * as an adapter wraps its base, and stands for it).
   */
  protected registerModule<M extends Module>(name: string, module: M, options: { ownScope?: boolean } = {}): M {
    module.onRegistered(name);
    if (options.ownScope === false) module.scopeName = '';
    this.ownChildren.set(name, module);
    return module;
  }

  /** Called when a parent registers this module under `name`: that name is its tape scope. */
  protected onRegistered(name: string): void {
    this.scopeName = name;
  }

  /** Replaces the submodule at a dotted path (used to inject adapters); returns the old one. */
  replaceModule(path: string, module: Module): Module {
    const parts = path.split('.');
    const name = parts.pop()!;
    const parent = parts.length ? this.getModule(parts.join('.')) : this;
    const old = parent.ownChildren.get(name);
    if (!old) throw new Error(`replaceModule: no submodule '${path}'`);
    module.onRegistered(name);
    parent.ownChildren.set(name, module);
    // Like PyTorch's setattr: a field that held the old child now holds the new one.
    const fields = parent as unknown as Record<string, unknown>;
    if (fields[name] === old) fields[name] = module;
    parent.onChildReplaced(name, module);
    return old;
  }

  /** Lets a subclass that keeps a typed field for a child update it when the child is replaced. */
  protected onChildReplaced(_name: string, _module: Module): void {}

  /** The submodule at a dotted path; throws naming the path if there is none. */
  getModule(path: string): Module {
    let module: Module = this;
    for (const part of path.split('.')) {
      const child = module.ownChildren.get(part);
      if (!child) throw new Error(`getModule: no submodule '${path}'`);
      module = child;
    }
    return module;
  }

  /** This module and every submodule, with its dotted path ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.ownChildren) yield* child.namedModules(join(prefix, name));
  }

  /** Every parameter of this module and its submodules, with its dotted path. */
  *namedParameters(prefix = ''): Generator<[string, Variable]> {
    for (const [name, p] of this.ownParameters) yield [join(prefix, name), p];
    for (const [name, child] of this.ownChildren) yield* child.namedParameters(join(prefix, name));
  }

  /** Every buffer of this module and its submodules, with its dotted path. */
  *namedBuffers(prefix = ''): Generator<[string, T.Tensor]> {
    for (const [name, b] of this.ownBuffers) yield [join(prefix, name), b];
    for (const [name, child] of this.ownChildren) yield* child.namedBuffers(join(prefix, name));
  }

  /** Every parameter, in `namedParameters` order. */
  parameters(): Variable[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** The parameters that require a gradient. */
  trainableParameters(): Variable[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Switches training mode (dropout on) for this module and all its submodules. */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  /** Switches to evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Every parameter and buffer by dotted path. */
  stateDict(): Record<string, T.Tensor> {
    const state: Record<string, T.Tensor> = {};
    for (const [path, p] of this.namedParameters()) state[path] = p.value;
    for (const [path, b] of this.namedBuffers()) state[path] = b;
    return state;
  }

  /**
   * Loads parameters by dotted path, casting to each parameter's dtype. With `strict` (the
   * default) missing and unexpected keys are errors; wrong shapes always are. All problems are
   * reported together in one error.
   */
  loadStateDict(state: Record<string, T.Tensor>, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const parameters = new Map(this.namedParameters());
    const problems: string[] = [];
    const missing = [...parameters.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !parameters.has(k) && !this.hasBuffer(k));
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [path, p] of parameters) {
      const value = state[path];
      if (value && !T.shapesEqual(value.shape, p.shape)) {
        problems.push(`${path}: expected shape ${T.formatShape(p.shape)}, got ${T.formatShape(value.shape)}`);
      }
    }
    if (problems.length) throw new Error(`loadStateDict: ${problems.join('; ')}`);
    for (const [path, p] of parameters) {
      const value = state[path];
      if (value) p.assign(T.cast(value, p.dtype).contiguous());
    }
  }

  private hasBuffer(path: string): boolean {
    for (const [name] of this.namedBuffers()) if (name === path) return true;
    return false;
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}
