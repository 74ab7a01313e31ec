import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { defaultClientConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects, all run by `npm test` (`vitest run`):
 *
 * - `node`: the unit and end-to-end tests, in forked Node processes.
 * - `gc`: `*.gc.test.ts`, in Node started with --expose-gc (globalThis.gc), for tests that
 *   check what the garbage collector can reclaim.
 * - `browser`: `*.browser.test.ts`, in Debian's Chromium (headless, driven by Playwright):
 *   WebGPU through SwiftShader and WebGL2, no GPU needed. Left out, with one line saying so,
 *   where /usr/bin/chromium is missing or LORAFA_BROWSER=0.
 *
 * Workspace packages export their TypeScript sources under the "source" condition, so every
 * project runs against src/ without a build.
 */
const SOURCE_CONDITIONS = {
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
};
const GC_TESTS = '**/*.gc.test.ts';
const BROWSER_TESTS = ['packages/*/test/**/*.browser.test.ts', 'test/**/*.browser.test.ts'];
const CHROMIUM = '/usr/bin/chromium';

/**
 * Chromium flags: --no-sandbox (CI runs as root); --enable-unsafe-webgpu exposes WebGPU on
 * Linux, where it is still behind a flag, and headless Chromium then finds SwiftShader's adapter.
 */
const CHROMIUM_ARGS = ['--no-sandbox', '--enable-unsafe-webgpu'];

const nodeProject: TestProjectInlineConfiguration = {
  ...SOURCE_CONDITIONS,
  test: {
    name: 'node',
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'playground/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, GC_TESTS, ...BROWSER_TESTS],
    pool: 'forks',
    testTimeout: 60_000,
  },
};

const gcProject: TestProjectInlineConfiguration = {
  ...SOURCE_CONDITIONS,
  test: {
    name: 'gc',
    include: [GC_TESTS],
    pool: 'forks',
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
  },
};

const browserProject: TestProjectInlineConfiguration = {
  resolve: { conditions: ['source', ...defaultClientConditions] }, // "source", then the browser's usual ones
  // gpu.js and ndarray are CommonJS: pre-bundle them so that ESM imports of them work in the page
  // (gpu.js's "browser" field points the bundler at dist/gpu-browser.js).
  optimizeDeps: { include: ['gpu.js', 'ndarray'] },
  // Cross-origin isolation gives the page SharedArrayBuffer, so the matmul kernel can use Web Workers.
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  test: {
    name: 'browser',
    include: BROWSER_TESTS,
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
      screenshotFailures: false, // numbers, not pixels: no __screenshots__ folders in the tree
    },
  },
};

/** The browser project, or null with the one line that says why it is left out. */
function browserProjectIfAvailable(): TestProjectInlineConfiguration | null {
  if (process.env['LORAFA_BROWSER'] === '0') {
    console.log('browser tests skipped: LORAFA_BROWSER=0');
    return null;
  }
  if (!existsSync(CHROMIUM)) {
    console.log(`browser tests skipped: ${CHROMIUM} not found (install: apt-get install -y chromium)`);
    return null;
  }
  return browserProject;
}

export default defineConfig({
  test: {
    projects: [nodeProject, gcProject, browserProjectIfAvailable()].filter((project) => project !== null),
  },
});
