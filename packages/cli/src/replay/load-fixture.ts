import { existsSync, statSync } from 'node:fs';
import { readSafetensorsFile } from '@lorafa/nn/node';
import { readingInput, UsageError } from '../cli-error.js';
import type { Fixture } from './fixture.js';
import { fixtureFromContents } from './fixture.js';

/** Reads a fixture file (Node only; a page fetches the bytes and calls fixtureFromContents). */
export function loadFixture(path: string): Fixture {
  if (!existsSync(path)) throw new UsageError(`replay: no such file: ${path}`);
  if (!statSync(path).isFile()) throw new UsageError(`replay: ${path} is a folder, expected a fixture file`);
  return fixtureFromContents(
    path,
    readingInput(() => readSafetensorsFile(path)),
  );
}
