import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as T from '@lorafa/tensor';
import type { OptimizerState } from '@lorafa/nn';
import { serializeSafetensors } from '@lorafa/nn';
import { readSafetensorsFile } from '@lorafa/nn/node';
import { readingInput, UsageError } from '../cli-error.js';
import type { CheckpointFs } from './checkpoint-fs.js';
import { nodeCheckpointFs, syncFolder, writeDurably } from './checkpoint-fs.js';
import { sha256, sha256File } from './hash.js';
import type { CheckpointState } from './checkpoint-state.js';
import { validateManifest, validateState } from './checkpoint-state.js';

/** Everything a run needs to continue bit for bit. */
export interface TrainingState extends CheckpointState {
  /** Trained tensors by name. */
  trainable: Record<string, T.Tensor>;
  optimizer: OptimizerState;
}

/**
 * A checkpoint is a folder `OUT/checkpoint-NNNNNN` (the step; `.G` appended when a folder of
 * that step already exists) holding trainable.safetensors, optimizer.safetensors, state.json,
 * and manifest.json with the SHA-256 of each, written last.
 *
 * Writing is crash-safe with one atomic commit: every file is written and fsynced in a fresh
 * temporary folder `.checkpoint-PID-…`, then the folder is renamed to its final name. A crash at
 * any point leaves either the previous checkpoints, or the new one complete; a stray temporary
 * folder is removed at the next start. Older checkpoints are removed after the commit (their
 * manifest first, so a half-removed one is never taken for complete).
 */
export function saveCheckpoint(dir: string, state: TrainingState, io: CheckpointFs = nodeCheckpointFs): Checkpoint {
  const temporary = join(dir, `.checkpoint-${process.pid}-${state.step}-${Date.now()}`);
  io.mkdirSync(temporary);
  const { trainable, optimizer, ...rest } = state;
  const files: Record<string, Uint8Array> = {
    'trainable.safetensors': serializeSafetensors(trainable),
    'optimizer.safetensors': serializeSafetensors(optimizer.tensors),
    'state.json': new TextEncoder().encode(JSON.stringify({ ...rest, optimizerStep: optimizer.step })),
  };
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) {
    writeDurably(io, join(temporary, name), bytes);
    hashes[name] = sha256(bytes);
  }
  const manifest = { format: MANIFEST_FORMAT, step: state.step, files: hashes };
  writeDurably(io, join(temporary, MANIFEST), new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`));
  syncFolder(io, temporary);
  const existing = listCheckpoints(dir);
  const generation = Math.max(0, ...existing.filter((c) => c.step === state.step).map((c) => c.generation + 1));
  const committed = { step: state.step, generation, path: join(dir, checkpointName(state.step, generation)) };
  io.renameSync(temporary, committed.path); // the commit
  syncFolder(io, dir);
  for (const old of existing) {
    if (existsSync(join(old.path, MANIFEST))) io.unlinkSync(join(old.path, MANIFEST));
    io.rmSync(old.path);
  }
  return committed;
}

export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 'lorafa-checkpoint/1';
const CHECKPOINT_FILES = ['trainable.safetensors', 'optimizer.safetensors', 'state.json'];

export interface Checkpoint {
  step: number;
  generation: number;
  path: string;
}

function checkpointName(step: number, generation: number): string {
  return `checkpoint-${String(step).padStart(6, '0')}${generation ? `.${generation}` : ''}`;
}

/** Every checkpoint folder in `dir`, complete or not, oldest first. */
export function listCheckpoints(dir: string): Checkpoint[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^checkpoint-(\d+)(?:\.(\d+))?$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), generation: Number(m[2] ?? 0), path: join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step || a.generation - b.generation);
}

/** The newest complete checkpoint (one whose manifest was written), or null. */
export function latestCheckpoint(dir: string): Checkpoint | null {
  return (
    listCheckpoints(dir)
      .reverse()
      .find((c) => existsSync(join(c.path, MANIFEST))) ?? null
  );
}

/**
 * Reads a checkpoint, verifying the SHA-256 of every file against the manifest and validating
 * state.json field by field; any problem names the file and the field.
 */
export function loadCheckpoint(checkpoint: Checkpoint): TrainingState {
  const manifestPath = join(checkpoint.path, MANIFEST);
  const manifest = validateManifest(manifestPath, readFileSync(manifestPath, 'utf8'), CHECKPOINT_FILES);
  if (manifest.step !== checkpoint.step)
    throw new UsageError(`${manifestPath}: step ${manifest.step} does not match the folder's step ${checkpoint.step}`);
  for (const name of CHECKPOINT_FILES) {
    const path = join(checkpoint.path, name);
    if (!existsSync(path)) throw new UsageError(`${path}: missing (listed in ${MANIFEST})`);
    const actual = sha256File(path);
    const expected = manifest.files[name]!;
    if (actual !== expected)
      throw new UsageError(
        `${path}: SHA-256 ${actual.slice(0, 16)}… differs from ${expected.slice(0, 16)}… in ${MANIFEST}; the file was altered or damaged`,
      );
  }
  const statePath = join(checkpoint.path, 'state.json');
  const state = validateState(statePath, readFileSync(statePath, 'utf8'));
  if (state.step !== checkpoint.step)
    throw new UsageError(`${statePath}: step ${state.step} does not match the manifest's step ${checkpoint.step}`);
  const read = (name: string) => readingInput(() => readSafetensorsFile(join(checkpoint.path, name)).tensors);
  return {
    ...state,
    trainable: read('trainable.safetensors'),
    optimizer: { step: state.optimizerStep, tensors: read('optimizer.safetensors') },
  };
}
