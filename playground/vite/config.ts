import { join } from 'node:path';
import type { InlineConfig } from 'vite';
import { defaultClientConditions, mergeConfig } from 'vite';
import { staticAssetsPlugin } from './static-assets.js';

/**
 * Cross-origin isolation (COOP same-origin + COEP require-corp) gives the page SharedArrayBuffer,
 * so cpu-fast's matmul can use Web Workers; a static host that does not send these headers still
 * serves a working page, single-threaded (the page says which).
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The playground's Vite configuration, inline (no config file): it is used from Node started
 * with the "source" condition (`tsx --conditions=source`, or vitest), because its asset plugin
 * runs the CLI's corpus code from TypeScript sources.
 */
export function playgroundConfig(overrides: InlineConfig = {}): InlineConfig {
  return mergeConfig<InlineConfig, InlineConfig>(
    {
      configFile: false,
      root: join(import.meta.dirname, '..'),
      base: './',
      logLevel: 'warn',
      // Workspace packages are read from their TypeScript sources (the "source" export condition).
      resolve: { conditions: ['source', ...defaultClientConditions] },
      // gpu.js and ndarray are CommonJS: pre-bundled so that ESM imports of them work in the page.
      // The workers' imports are scanned up front too, so the dev server never reloads mid-run.
      optimizeDeps: {
        include: ['gpu.js', 'ndarray'],
        entries: ['index.html', 'src/worker/main.ts', 'src/theory/worker.ts'],
      },
      worker: { format: 'es' },
      server: { headers: ISOLATION_HEADERS },
      preview: { headers: ISOLATION_HEADERS },
      build: {
        outDir: 'dist',
        emptyOutDir: true,
        target: 'es2022',
        chunkSizeWarningLimit: 4096, // the worker bundles gpu.js
        rolldownOptions: { checks: { bundlerTimings: false } }, // timing hints, not problems
      },
      plugins: [staticAssetsPlugin()],
    },
    overrides,
  );
}
