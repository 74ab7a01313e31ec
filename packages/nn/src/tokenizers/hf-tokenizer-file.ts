import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TextTokenizer } from './tokenizer.js';
import { hfTokenizerFromJson } from './hf-tokenizer.js';

function readJsonObject(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${path}: expected a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * Loads `dir/tokenizer.json` (and `dir/tokenizer_config.json` when present) with
 * `hfTokenizerFromJson` (Node only).
 */
export function loadHfTokenizer(dir: string): TextTokenizer {
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) throw new Error(`${path}: not found`);
  const configPath = join(dir, 'tokenizer_config.json');
  return hfTokenizerFromJson(readJsonObject(path), existsSync(configPath) ? readJsonObject(configPath) : {}, path);
}
