import type * as T from '@lorafa/tensor';
import { UsageError } from '../cli-error.js';

/** A reference fixture: its tensors and the manifest stored in its metadata. */
export interface Fixture {
  path: string;
  kind: string;
  config: Record<string, unknown>;
  source: string;
  /** The whole manifest, for kind-specific fields (e.g. the GPT-2 fixture's `modules`). */
  manifest: Record<string, unknown>;
  tensors: Record<string, T.Tensor>;
}

/**
 * A fixture from a safetensors file's contents (tensors and metadata), wherever the bytes came
 * from: a file (load-fixture.ts) or a page's fetch. `path` names it in messages.
 */
export function fixtureFromContents(
  path: string,
  contents: { tensors: Record<string, T.Tensor>; metadata: Record<string, string> },
): Fixture {
  const { tensors, metadata } = contents;
  if (!metadata.manifest)
    throw new UsageError(`replay: ${path} has no __metadata__.manifest; is it a lorafa-ts reference fixture?`);
  let manifest: { kind?: unknown; config?: unknown; source?: unknown };
  try {
    manifest = JSON.parse(metadata.manifest);
  } catch {
    throw new UsageError(`replay: ${path}: __metadata__.manifest is not valid JSON`);
  }
  if (typeof manifest.kind !== 'string') throw new UsageError(`replay: ${path}: the manifest has no "kind"`);
  if (typeof manifest.config !== 'object' || manifest.config === null)
    throw new UsageError(`replay: ${path}: the manifest has no "config"`);
  return {
    path,
    kind: manifest.kind,
    config: manifest.config as Record<string, unknown>,
    source: String(manifest.source ?? ''),
    manifest: manifest as Record<string, unknown>,
    tensors,
  };
}

/** A tensor by key, or a usage error naming the key and the file. */
export function tensorOf(fixture: Fixture, key: string): T.Tensor {
  const t = fixture.tensors[key];
  if (!t) throw new UsageError(`replay: ${fixture.path} has no tensor '${key}'`);
  return t;
}

/** A positive number from the config, or a usage error naming it. */
export function numberOf(fixture: Fixture, key: string, options: { integer?: boolean; min?: number } = {}): number {
  const value = fixture.config[key];
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (options.integer && !Number.isInteger(value)) ||
    value < (options.min ?? -Infinity)
  ) {
    throw new UsageError(
      `replay: ${fixture.path}: config.${key} must be ${options.integer ? 'an integer' : 'a number'}${options.min !== undefined ? ` ≥ ${options.min}` : ''}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Checks up front that every key is present, listing the missing ones in one error. */
export function requireTensors(fixture: Fixture, keys: readonly string[]): void {
  const missing = keys.filter((k) => !fixture.tensors[k]);
  if (missing.length) {
    const shown = missing.slice(0, 6).join(', ') + (missing.length > 6 ? `, … (${missing.length} in all)` : '');
    throw new UsageError(`replay: ${fixture.path} lacks tensors the ${fixture.kind} format requires: ${shown}`);
  }
}
