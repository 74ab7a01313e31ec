import type { LoraInit } from '@lorafa/lorafa';
import { LORA_INITS } from '@lorafa/lorafa';
import { numberFlag, stringFlag } from '../arguments.js';
import { UsageError } from '../cli-error.js';

/** A comma-separated flag as a list (empty entries dropped). */
export function listFlag(flags: Map<string, string | true>, name: string, fallback: string): string[] {
  return stringFlag(flags, name, fallback).split(',').filter(Boolean);
}

/**
 * --inits (default: --init's one) and --seeds (default: 0,1,2 when several inits are compared,
 * else --seed's one), validated.
 */
export function initsAndSeeds(flags: Map<string, string | true>): { inits: string[]; seeds: number[] } {
  if (flags.has('init') && flags.has('inits')) throw new UsageError('compare: give --init or --inits, not both');
  if (flags.has('seed') && flags.has('seeds')) throw new UsageError('compare: give --seed or --seeds, not both');
  const inits = flags.has('inits') ? listFlag(flags, 'inits', '') : [stringFlag(flags, 'init', 'gaussian')];
  const bad = inits.filter((i) => !LORA_INITS.includes(i as LoraInit));
  if (bad.length || inits.length === 0)
    throw new UsageError(`compare: unknown init '${bad.join(', ')}' (choose from ${LORA_INITS.join(', ')})`);
  const fallback = flags.has('inits')
    ? '0,1,2'
    : String(numberFlag('compare', flags, 'seed', 0, { integer: true, min: 0 }));
  const seeds = listFlag(flags, 'seeds', fallback).map((raw) => {
    const seed = Number(raw);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1)
      throw new UsageError(`compare: --seeds must be integers from 0 to ${2 ** 32 - 1}, got '${raw}'`);
    return seed;
  });
  if (new Set(seeds).size !== seeds.length || new Set(inits).size !== inits.length)
    throw new UsageError('compare: --inits and --seeds must not repeat a value');
  return { inits, seeds };
}
