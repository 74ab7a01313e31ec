import { UsageError } from './cli-error.js';

export interface ParsedArguments {
  positional: string[];
  flags: Map<string, string | true>;
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag` (those listed in `booleans`).
 * Unknown flags are usage errors naming the flag and the command.
 */
export function parseArguments(command: string, argv: readonly string[], known: { booleans: readonly string[]; values: readonly string[] }): ParsedArguments {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
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
