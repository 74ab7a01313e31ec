import { readFileSync } from 'node:fs';
import { UsageError } from '../cli-error.js';
import type { Fingerprint } from './checkpoint-state.js';
import { sha256 } from './hash.js';
import type { TrainingOptions } from './options.js';

/**
 * What a run depends on, recorded in every checkpoint: the library version, the base model
 * (its config and a hash of its weights), the data (its source and hashes of the tokenized
 * training and held-out sets) and every option that shapes the trajectory. `--resume` refuses
 * any difference. The options below may change on resume: they extend the run, change its
 * learning rate from here on (as after a divergence), or only change what is reported.
 */
export const RESUMABLE_OPTIONS: readonly (keyof TrainingOptions)[] = [
  'steps',
  'lr',
  'evalEvery',
  'evalBatches',
  'checkpointEvery',
];
export const RESUMABLE_FLAGS = '--steps, --lr, --eval-every, --eval-batches, --checkpoint-every';

/** The flag that sets each fingerprinted field, for messages. */
const FLAG_OF: Record<string, string> = {
  'library.version': 'the lorafa version',
  'model.config': '--model (its config.json)',
  'model.weightsSha256': '--model (its model.safetensors)',
  'data.source': '--data',
  'data.trainTokensSha256': '--data (its training text)',
  'data.heldOutTokensSha256': '--data (its held-out text)',
  method: '--method',
  correction: '--no-correction',
  rank: '--rank',
  alpha: '--alpha',
  optimizer: '--optimizer',
  weightDecay: '--weight-decay',
  batch: '--batch',
  seq: '--seq',
  targets: '--targets',
  init: '--init',
  attention: '--attention',
  seed: '--seed',
};

/**
 * Fields added to the fingerprint after checkpoints were written without them, with the value
 * those runs had: a checkpoint that does not record `attention` ran with standard attention.
 */
const ADDED_LATER: Fingerprint = { attention: 'standard' };

let cachedVersion: string | undefined;
/** The version of @lorafa/cli (from its package.json, beside src/ and dist/). */
export function libraryVersion(): string {
  cachedVersion ??= String(
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version ?? 'unknown',
  );
  return cachedVersion;
}

export function runFingerprint(args: {
  model: Fingerprint;
  dataSource: string;
  trainTokens: Int32Array;
  heldOutTokens: Int32Array;
  options: TrainingOptions;
}): Fingerprint {
  const bytes = (t: Int32Array) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
  const fingerprint: Fingerprint = {
    'library.version': libraryVersion(),
    ...args.model,
    'data.source': args.dataSource,
    'data.trainTokensSha256': sha256(bytes(args.trainTokens)),
    'data.heldOutTokensSha256': sha256(bytes(args.heldOutTokens)),
  };
  for (const [key, value] of Object.entries(args.options)) {
    if (RESUMABLE_OPTIONS.includes(key as keyof TrainingOptions)) continue;
    fingerprint[key] = Array.isArray(value) ? value.join(',') : (value as string | number | boolean);
  }
  return fingerprint;
}

/** Throws a usage error naming every field where the checkpoint's run and this one differ. */
export function requireSameRun(recorded: Fingerprint, current: Fingerprint, checkpointPath: string): void {
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(current)])];
  const show = (v: unknown) => {
    if (v === undefined) return '(not recorded)';
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return /^[0-9a-f]{64}$/.test(text) ? `${text.slice(0, 16)}…` : text.length > 80 ? `${text.slice(0, 80)}…` : text;
  };
  const was = (k: string) => recorded[k] ?? ADDED_LATER[k];
  const differences = keys
    .filter((k) => was(k) !== current[k])
    .map((k) => `${k} (${FLAG_OF[k] ?? k}) was ${show(was(k))}, now ${show(current[k])}`);
  if (differences.length)
    throw new UsageError(
      `--resume: ${checkpointPath} belongs to a different run: ${differences.join('; ')}. Only ${RESUMABLE_FLAGS} may change on resume`,
    );
}
