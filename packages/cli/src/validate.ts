import { UsageError } from './cli-error.js';

/**
 * Small explicit validators for the files the CLI reads (state.json, manifest.json, JSONL
 * records, tokenizer_config.json). Each names the file and the field on failure.
 */
export type Json = Record<string, unknown>;

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

export function requireObject(source: string, field: string, value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${source}: ${field} must be an object, got ${show(value)}`);
  return value as Json;
}

export function requireInteger(source: string, field: string, value: unknown, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    throw new UsageError(`${source}: ${field} must be an integer from ${min} to ${max}, got ${show(value)}`);
  return value as number;
}

export function requireNumber(source: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new UsageError(`${source}: ${field} must be a finite number, got ${show(value)}`);
  return value;
}

export function requireString(source: string, field: string, value: unknown): string {
  if (typeof value !== 'string') throw new UsageError(`${source}: ${field} must be a string, got ${show(value)}`);
  return value;
}

export function requireArray(source: string, field: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new UsageError(`${source}: ${field} must be a list, got ${show(value)}`);
  return value;
}

/** Parses JSON text, naming the file on a syntax error. */
export function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source}: not valid JSON (${(error as Error).message})`);
  }
}
