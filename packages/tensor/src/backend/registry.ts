import type { Backend } from './backend.js';
import { createCpuBackend, createFastCpuBackend } from './cpu/index.js';

/**
 * Backends are plain objects registered by name. Creation functions (zeros, tensor, randn, ...)
 * allocate on the current default; every op runs on the backend its operands live on.
 * Registered from the start: `cpu` (the specification) and `cpu-fast` (the default: the
 * specification with a WebAssembly SIMD matmul, bit-identical results).
 */
const registry = new Map<string, Backend>();
const specification = createCpuBackend();
let current: Backend = createFastCpuBackend();
registry.set(specification.name, specification);
registry.set(current.name, current);

/** Registers a backend under its `name`, replacing any backend of that name. */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

/** The backend registered as `name`, or the current default when omitted; throws if unknown. */
export function getBackend(name?: string): Backend {
  if (name === undefined) return current;
  const found = registry.get(name);
  if (!found)
    throw new Error(`getBackend: no backend named '${name}' (registered: ${[...registry.keys()].join(', ')})`);
  return found;
}

/** Makes a registered backend the default for new tensors; returns the previous default. */
export function setBackend(name: string): Backend {
  const previous = current;
  current = getBackend(name);
  return previous;
}

/** Names of all registered backends. */
export function listBackends(): string[] {
  return [...registry.keys()];
}
