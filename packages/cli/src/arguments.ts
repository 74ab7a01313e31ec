import { UsageError } from './cli-error.js';

export interface ParsedArguments {
  positional: string[];
  flags: Map<string, string | true>;
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag` (those listed in `booleans`).
 * Unknown flags are usage errors naming the flag and the command.
 */
export function parseArguments(
  command: string,
  argv: readonly string[],
  known: { booleans: readonly string[]; values: readonly string[] },
): ParsedArguments {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] === '-h' && known.booleans.includes('help') ? '--help' : argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (known.booleans.includes(name)) {
      if (inline !== undefined) throw new UsageError(`${command}: --${name} takes no value`);
      flags.set(name, true);
    } else if (known.values.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${command}: --${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new UsageError(`${command}: unknown option --${name} (see lorafa ${command} --help)`);
    }
  }
  return { positional, flags };
}

/** A numeric flag with a default, validated (names the flag on error). */
export function numberFlag(
  command: string,
  flags: Map<string, string | true>,
  name: string,
  fallback: number,
  options: { integer?: boolean; min?: number; max?: number } = {},
): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const { integer = false, min = -Infinity, max = Infinity } = options;
  if (
    raw === true ||
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min ||
    value > max
  ) {
    const range = [min > -Infinity ? `≥ ${min}` : '', max < Infinity ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(
      `${command}: --${name} must be ${integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}, got '${raw === true ? '' : raw}'`,
    );
  }
  return value;
}

/** A string flag restricted to some choices. */
export function choiceFlag<C extends string>(
  command: string,
  flags: Map<string, string | true>,
  name: string,
  choices: readonly C[],
  fallback: C,
): C {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  if (raw === true || !choices.includes(raw as C))
    throw new UsageError(
      `${command}: --${name} must be one of ${choices.join(', ')}, got '${raw === true ? '' : raw}'`,
    );
  return raw as C;
}

export function stringFlag(flags: Map<string, string | true>, name: string, fallback: string): string {
  const raw = flags.get(name);
  return typeof raw === 'string' ? raw : fallback;
}
