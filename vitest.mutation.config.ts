import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The test configuration StrykerJS runs each mutant under (stryker.config.mjs): only the
// autograd and lorafa tests. Workspace packages resolve to the sources next to this file:
// Stryker copies the tree into a sandbox, but node_modules/@lorafa/* link back to the original
// packages, which would test the unmutated code.
const source = (file: string) => resolve(import.meta.dirname, 'packages', file);
const PACKAGES = {
  '@lorafa/tensor': 'tensor/src/index.ts',
  '@lorafa/autograd': 'autograd/src/index.ts',
  '@lorafa/nn': 'nn/src/index.ts',
  '@lorafa/nn/node': 'nn/src/node.ts',
  '@lorafa/lorafa': 'lorafa/src/index.ts',
  '@lorafa/lorafa/node': 'lorafa/src/node.ts',
};

export default defineConfig({
  resolve: {
    alias: Object.entries(PACKAGES).map(([name, file]) => ({
      find: new RegExp(`^${name.replace('/', '\\/')}$`),
      replacement: source(file),
    })),
    conditions: ['source'],
  },
  test: {
    include: ['packages/autograd/test/**/*.test.ts', 'packages/lorafa/test/**/*.test.ts'],
    // Checks the gc project's --expose-gc flag; Stryker runs worker threads, and the *.gc tests
    // enable the collector from inside the test instead.
    exclude: ['**/node_modules/**', 'packages/autograd/test/expose-gc.gc.test.ts'],
    testTimeout: 60_000,
  },
});
