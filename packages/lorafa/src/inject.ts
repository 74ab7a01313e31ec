import * as T from '@lorafa/tensor';
import type { Module } from '@lorafa/nn';
import { Linear } from '@lorafa/nn';
import type { LoraAdapter } from './adapter.js';
import type { LoraConfig } from './config.js';
import { validateLoraConfig } from './config.js';
import { LoraLinear } from './lora-linear.js';

/** Options for {@link injectLora}: the LoRA config, which Linear modules to target, and a seed. */
export interface InjectOptions extends LoraConfig {
  /**
   * Which Linear modules to adapt, as PEFT's `target_modules`: a string matches a module path
   * equal to it or ending in `.<string>`; a RegExp must match the whole path.
   */
  targets: readonly (string | RegExp)[];
  seed?: number;
}

/**
 * Whether a module path matches a target: a string equal to the path or to a `.`-separated suffix
 * of it, or a RegExp matching the whole path.
 */
export function matchesTarget(path: string, target: string | RegExp): boolean {
  if (typeof target === 'string') return path === target || path.endsWith(`.${target}`);
  const match = path.match(target);
  return match !== null && match[0] === path;
}

/**
 * Replaces every targeted `Linear` by a `LoraLinear` and freezes every other parameter of the
 * model (for `full`, every parameter stays trainable and nothing is replaced). Returns the
 * adapters in module order. Throws if no module matches, listing the Linear paths there are.
 */
export function injectLora(model: Module, options: InjectOptions): LoraAdapter[] {
  validateLoraConfig(options);
  const linears = [...model.namedModules()].filter(([, m]) => m instanceof Linear) as [string, Linear][];
  const targets = linears.filter(([path]) => options.targets.some((t) => matchesTarget(path, t)));
  if (targets.length === 0) {
    throw new Error(
      `injectLora: no Linear module matches targets [${options.targets.join(', ')}]; Linear modules: ${linears.map(([p]) => p).join(', ') || 'none'}`,
    );
  }
  if (options.method === 'full') {
    for (const p of model.parameters()) p.requiresGrad = true;
    return [];
  }
  for (const p of model.parameters()) p.requiresGrad = false;
  const rng = new T.Rng(options.seed ?? 0);
  const adapters: LoraAdapter[] = [];
  for (const [path, linear] of targets) {
    const layer = new LoraLinear(linear, { ...options, name: path, rng });
    model.replaceModule(path, layer);
    adapters.push(layer.adapter!);
  }
  return adapters;
}
