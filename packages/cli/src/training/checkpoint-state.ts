import { UsageError } from '../cli-error.js';
import type { Json } from '../validate.js';
import { parseJson, requireArray, requireInteger, requireNumber, requireObject, requireString } from '../validate.js';

/** Losses, evaluations and LoRA-FA diagnostics of a run, carried over when it resumes. */
export interface History {
  losses: { step: number; loss: number }[];
  evals: { step: number; loss: number }[];
  diagnostics: { step: number; cosine: number; condition: number }[];
}

/** What a run depends on, field by field; a resume must match it exactly (see fingerprint.ts). */
export type Fingerprint = Record<string, string | number | boolean>;

/** The JSON part of a checkpoint (state.json). */
export interface CheckpointState {
  step: number;
  /** The data sampler's Rng state: [seed, four 32-bit words, spare normal or null]. */
  samplerState: (number | null)[];
  history: History;
  fingerprint: Fingerprint;
  /** The options the run was started with (for the record; the fingerprint is what is checked). */
  options: Record<string, unknown>;
}

const MAX_STEPS = 2 ** 31 - 1;
const UINT32 = 2 ** 32 - 1;

/** Parses and validates state.json; every problem names the file and the field. */
export function validateState(source: string, text: string): CheckpointState & { optimizerStep: number } {
  const raw = requireObject(source, 'the state', parseJson(source, text));
  const options = requireObject(source, 'options', raw.options);
  const plannedSteps = requireInteger(source, 'options.steps', options.steps, 1, MAX_STEPS);
  const step = requireInteger(source, 'step', raw.step, 1, plannedSteps);
  const optimizerStep = requireInteger(source, 'optimizerStep', raw.optimizerStep, 0, step);
  const sampler = requireArray(source, 'samplerState', raw.samplerState);
  if (sampler.length !== 6) throw new UsageError(`${source}: samplerState must hold 6 numbers, got ${sampler.length}`);
  sampler.slice(0, 5).forEach((v, i) => requireInteger(source, `samplerState[${i}]`, v, 0, UINT32));
  if (sampler[5] !== null) requireNumber(source, 'samplerState[5]', sampler[5]);
  const fingerprint = requireObject(source, 'fingerprint', raw.fingerprint);
  for (const [key, value] of Object.entries(fingerprint))
    if (!['string', 'number', 'boolean'].includes(typeof value))
      throw new UsageError(`${source}: fingerprint.${key} must be a string, number or boolean`);
  return {
    step,
    optimizerStep,
    samplerState: sampler as (number | null)[],
    history: validateHistory(source, requireObject(source, 'history', raw.history), step),
    fingerprint: fingerprint as Fingerprint,
    options,
  };
}

function validateHistory(source: string, raw: Json, step: number): History {
  const points = <K extends string>(field: string, keys: readonly K[]) =>
    requireArray(source, `history.${field}`, raw[field]).map((entry, i) => {
      const where = `history.${field}[${i}]`;
      const point = requireObject(source, where, entry);
      const out = { step: requireInteger(source, `${where}.step`, point.step, 0, step) } as Record<K | 'step', number>;
      for (const key of keys) out[key] = requireNumber(source, `${where}.${key}`, point[key]);
      return out;
    });
  const losses = points('losses', ['loss']);
  if (losses.length > step)
    throw new UsageError(`${source}: history.losses has ${losses.length} entries for ${step} steps`);
  return { losses, evals: points('evals', ['loss']), diagnostics: points('diagnostics', ['cosine', 'condition']) };
}

/** Parses and validates manifest.json: the format, the step and a SHA-256 per expected file. */
export function validateManifest(
  source: string,
  text: string,
  expectedFiles: readonly string[],
): { step: number; files: Record<string, string> } {
  const raw = requireObject(source, 'the manifest', parseJson(source, text));
  const format = requireString(source, 'format', raw.format);
  if (format !== 'lorafa-checkpoint/1')
    throw new UsageError(`${source}: format '${format}' is not lorafa-checkpoint/1`);
  const step = requireInteger(source, 'step', raw.step, 1, MAX_STEPS);
  const files = requireObject(source, 'files', raw.files);
  for (const name of expectedFiles) {
    const hash = requireString(source, `files["${name}"]`, files[name]);
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new UsageError(`${source}: files["${name}"] is not a SHA-256 hex digest`);
  }
  const extra = Object.keys(files).filter((k) => !expectedFiles.includes(k));
  if (extra.length) throw new UsageError(`${source}: files lists unexpected ${extra.join(', ')}`);
  return { step, files: files as Record<string, string> };
}
