#!/usr/bin/env node
// The `lorafa` command. After `npm run build` it runs the compiled CLI; in a source checkout
// it runs the TypeScript sources through tsx (a dev dependency) with the "source" condition.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const compiled = join(root, 'dist', 'main.js');
if (existsSync(compiled) && !process.env.LORAFA_FROM_SOURCE) {
  const { runCli } = await import(compiled);
  process.exitCode = await runCli(process.argv.slice(2));
} else {
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(root, 'src', 'run.ts'), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exitCode = result.status ?? 1;
}
