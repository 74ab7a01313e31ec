import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '@lorafa/nn';
import { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from '@lorafa/nn/node';
import type { LoraAdapter } from './adapter.js';
import type { LoraMethod } from './config.js';
import type { SaveAdapterOptions } from './peft-adapter.js';
import {
  ADAPTER_CONFIG,
  ADAPTER_WEIGHTS,
  applyPeftAdapter,
  parsePeftConfig,
  peftAdapterContents,
} from './peft-adapter.js';

/** Writes the adapters of one model in PEFT's format to `dir` (files written atomically; Node only). */
export function savePeftAdapter(dir: string, adapters: readonly LoraAdapter[], options: SaveAdapterOptions = {}): void {
  const { config, tensors, metadata } = peftAdapterContents(adapters, options);
  mkdirSync(dir, { recursive: true });
  writeSafetensorsFile(join(dir, ADAPTER_WEIGHTS), tensors, metadata);
  writeFileAtomic(join(dir, ADAPTER_CONFIG), `${JSON.stringify(config, null, 2)}\n`);
}

/** Injects and fills adapters from a PEFT adapter folder (see `applyPeftAdapter`; Node only). */
export function loadPeftAdapter(
  dir: string,
  model: Module,
  options: { method?: Exclude<LoraMethod, 'full'> } = {},
): LoraAdapter[] {
  const configPath = join(dir, ADAPTER_CONFIG);
  if (!existsSync(configPath))
    throw new Error(`${configPath}: not found (a PEFT adapter folder has ${ADAPTER_CONFIG} and ${ADAPTER_WEIGHTS})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new Error(`${configPath}: not valid JSON (${(error as Error).message})`);
  }
  const config = parsePeftConfig(parsed, configPath);
  const weightsPath = join(dir, ADAPTER_WEIGHTS);
  if (!existsSync(weightsPath)) throw new Error(`${weightsPath}: not found`);
  return applyPeftAdapter(model, config, readSafetensorsFile(weightsPath), weightsPath, options);
}
