const fs = require('node:fs');
const path = require('node:path');

/**
 * The import rules of lorafa-ts, checked by `npm run deps` (dependency-cruiser) in CI.
 *
 * Package order: tensor ← autograd ← nn ← lorafa ← cli. A package's sources (src/) import only
 * packages to its left, and only through their public entry points (the files their package.json
 * exports: src/index.ts, and a Node-only src/node.ts or src/node/index.ts). @lorafa/gpu
 * plugs kernels into tensor's backend seam: its sources import only tensor, and tensor never
 * imports it. Tests (a package's test/, the root test/), benchmarks/, examples/ and playground/ are leaves that
 * nothing imports, so they may import any package (a gpu test compares with lorafa's op, say),
 * still through the public entry points. No module may import itself back through a chain of
 * imports (a cycle), type-only imports included.
 */

/**
 * Packages a package's sources must not import: everything to its right in the order, and gpu
 * for the generic layers (tensor, autograd, nn reach a device only through the backend seam;
 * lorafa's fused kernels and the cli may name it).
 */
const forbidden = {
  tensor: ['autograd', 'nn', 'lorafa', 'cli', 'gpu'],
  autograd: ['nn', 'lorafa', 'cli', 'gpu'],
  nn: ['lorafa', 'cli', 'gpu'],
  lorafa: ['cli'],
  gpu: ['autograd', 'nn', 'lorafa', 'cli'],
};

/** The public entry points: the source file behind each export in each package's package.json. */
const entryPoints = fs.readdirSync('packages').flatMap((pkg) => {
  const manifest = path.join('packages', pkg, 'package.json');
  if (!fs.existsSync(manifest)) return [];
  const exports = JSON.parse(fs.readFileSync(manifest, 'utf8')).exports ?? {};
  return Object.values(exports)
    .map((target) => (typeof target === 'string' ? target : target.source))
    .filter(Boolean)
    .map((source) => `^${path.posix.join('packages', pkg, source).replaceAll('.', '\\.')}$`);
});

const layering = Object.entries(forbidden).map(([pkg, above]) => ({
  name: `${pkg}-layering`,
  comment: `@lorafa/${pkg} must not import ${above.map((p) => `@lorafa/${p}`).join(', ')} (package order: tensor ← autograd ← nn ← lorafa ← cli; gpu imports only tensor)`,
  severity: 'error',
  from: { path: `^packages/${pkg}/src/` },
  to: { path: `^packages/(${above.join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: the modules in it cannot be read, tested or loaded one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layering,
    {
      name: 'public-entry-only',
      comment:
        "Another package's internals: import one of its entry points (@lorafa/<name>, or a subpath its package.json exports) instead.",
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/[^/]+/src/', pathNot: ['^packages/$1/', ...entryPoints] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing (a typo, or a package missing from package.json).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage|docs/api)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
