// Prints, one per line, the node_modules folders (relative to the project root) that bench:gpu
// needs at run time: the workspace packages it imports, their dependencies and optional
// dependencies (resolved the way Node resolves them: nested node_modules first, then upwards),
// @jax-js/jax (its WebGPU peer) and tsx (which runs it), transitively. Used by pack-gpu-bench.sh.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = process.cwd();
const ROOTS = [
  '@lorafa/tensor',
  '@lorafa/autograd',
  '@lorafa/nn',
  '@lorafa/lorafa',
  '@lorafa/gpu',
  '@jax-js/jax',
  'tsx',
];

/** The folder of `name` as seen from package folder `from` (which may be a workspace package). */
function resolve(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) return null;
  }
}

const found = new Set();
const queue = ROOTS.map((name) => [name, root]);
while (queue.length > 0) {
  const [name, from] = queue.shift();
  const dir = resolve(name, from);
  if (dir === null) continue; // an optional dependency not installed for this platform
  const key = relative(root, dir);
  if (found.has(key)) continue;
  found.add(key);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const real = realpathSync(dir); // a workspace package resolves its own dependencies from its folder
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }))
    queue.push([dep, real]);
}
for (const key of [...found].sort()) console.log(key);
