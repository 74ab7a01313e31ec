import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT, UsageError } from '../cli-error.js';
import { listFlag } from './inits-and-seeds.js';

/** The variants compare can run: a key, its finetune flags and its label. */
export const VARIANTS: Record<string, { flags: string[]; label: string }> = {
  full: { flags: ['--method', 'full'], label: 'Full-FT' },
  lora: { flags: ['--method', 'lora'], label: 'LoRA' },
  'lora-fa-nocorr': { flags: ['--method', 'lora-fa', '--no-correction'], label: 'LoRA-FA (no correction)' },
  'lora-fa': { flags: ['--method', 'lora-fa'], label: 'LoRA-FA' },
  'lora-fb': { flags: ['--method', 'lora-fb'], label: 'LoRA-FB' },
  'lora-fb-nocorr': { flags: ['--method', 'lora-fb', '--no-correction'], label: 'LoRA-FB (no correction)' },
};

/** The variants compare runs when --methods is not given. */
export const DEFAULT_VARIANTS = ['full', 'lora', 'lora-fa-nocorr', 'lora-fa', 'lora-fb'];

/** --methods as a list of variant keys (default DEFAULT_VARIANTS); an unknown one is a UsageError. */
export function variantsFlag(flags: Map<string, string | true>): string[] {
  const methods = listFlag(flags, 'methods', DEFAULT_VARIANTS.join(','));
  const unknown = methods.filter((m) => !VARIANTS[m]);
  if (unknown.length)
    throw new UsageError(
      `compare: unknown method ${unknown.join(', ')} (choose from ${Object.keys(VARIANTS).join(', ')})`,
    );
  return methods;
}

/** One finetune run of a comparison: a variant with one init and one seed. */
export interface PlannedRun {
  /** Unique within the comparison; also the run's folder under OUT. */
  key: string;
  variant: string;
  init: string;
  seed: number;
  label: string;
}

/**
 * Every variant × init × seed. With one init and one seed a run is keyed and labelled by its
 * variant alone (compare's classic table); otherwise by all three.
 */
export function planRuns(
  variants: readonly string[],
  inits: readonly string[],
  seeds: readonly number[],
): PlannedRun[] {
  const single = inits.length === 1 && seeds.length === 1;
  return variants.flatMap((variant) =>
    inits.flatMap((init) =>
      seeds.map((seed) => ({
        variant,
        init,
        seed,
        key: single ? variant : `${variant}-${init}-seed${seed}`,
        label: single ? VARIANTS[variant]!.label : `${VARIANTS[variant]!.label}, ${init}, seed ${seed}`,
      })),
    ),
  );
}

function binPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'lorafa.mjs');
}

/**
 * Runs `lorafa COMMAND ...args` in its own process (so that peak memory is its own) and returns
 * the JSON its last line of output holds. A failed run is a CliError naming `label`, with the
 * child's exit code where it is a failure or bad input (else internal).
 */
export function runLorafa(command: string, args: readonly string[], label: string): Record<string, unknown> {
  const child = spawnSync(process.execPath, [binPath(), command, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) {
    const code = child.status === EXIT.failure || child.status === EXIT.badInput ? child.status : EXIT.internal;
    throw new CliError(`the ${label} run failed (exit ${child.status ?? child.signal}); see the messages above`, code);
  }
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
}

/** Runs `lorafa finetune --json` for one planned run with the shared flags, and returns its summary. */
export function runFinetune(run: PlannedRun, shared: readonly string[], outDir: string): Record<string, unknown> {
  const args = [
    ...shared,
    ...VARIANTS[run.variant]!.flags,
    '--init',
    run.init,
    '--seed',
    String(run.seed),
    '--label',
    run.label,
    '--out',
    join(outDir, run.key),
    '--json',
  ];
  return runLorafa('finetune', args, run.label);
}
