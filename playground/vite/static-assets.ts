import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { loadCorpus } from '../../packages/cli/src/data/corpus.js';

/** The repository root (this file is playground/vite/static-assets.ts). */
const ROOT = join(import.meta.dirname, '..', '..');
const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.md': 'text/markdown; charset=utf-8' };
const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer_config.json'];

/**
 * The page's static assets, produced in Node by the CLI's own code: the embedded model's files
 * (bytes as they are) and the Brown fiction corpus split by `loadCorpus('brown:fiction')` — the
 * same untagging and held-out split the CLI trains on — as `{ name, train, heldOut }`.
 */
export function staticAssets(): Map<string, () => Buffer> {
  const assets = new Map<string, () => Buffer>();
  for (const file of MODEL_FILES)
    assets.set(`models/brown-base/${file}`, () => readFileSync(join(ROOT, 'models', 'brown-base', file)));
  // The page's theory panel links here (served as the Markdown it is).
  assets.set('docs/theory.md', () => readFileSync(join(ROOT, 'docs', 'theory.md')));
  assets.set('data/fiction.json', () => {
    const { name, train, heldOut } = loadCorpus('brown:fiction');
    return Buffer.from(JSON.stringify({ name, train, heldOut }));
  });
  return assets;
}

/** Serves the assets under the dev server and writes them into the build (dist/models, dist/data). */
export function staticAssetsPlugin(): Plugin {
  const assets = staticAssets();
  const cache = new Map<string, Buffer>();
  const bytesOf = (path: string) => {
    if (!cache.has(path)) cache.set(path, assets.get(path)!());
    return cache.get(path)!;
  };
  return {
    name: 'lorafa-static-assets',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0]!.replace(/^\//, '');
        if (!assets.has(path)) return next();
        response.setHeader(
          'Content-Type',
          CONTENT_TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream',
        );
        response.end(bytesOf(path));
      });
    },
    generateBundle() {
      for (const path of assets.keys()) this.emitFile({ type: 'asset', fileName: path, source: bytesOf(path) });
    },
  };
}
