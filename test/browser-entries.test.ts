/**
 * The main entries of tensor, autograd, nn, lorafa and gpu must load in a browser: no module they
 * import statically — theirs or a dependency's — may import a Node.js built-in (`node:fs`,
 * `fs`, …). Node-only code is reached through a dynamic import behind a runtime check (the
 * matmul's worker_threads, backend/cpu/wasm/platform/threads.ts) or through the `/node` subpath
 * exports. Each entry is bundled for the browser with Vite (resolving the `source` condition,
 * as the browser tests do), built-ins kept external, and the graph of static imports walked.
 */
import { builtinModules } from 'node:module';
import { build, defaultClientConditions, type Plugin } from 'vite';
import { describe, expect, it } from 'vitest';

const ENTRIES = ['@lorafa/tensor', '@lorafa/autograd', '@lorafa/nn', '@lorafa/lorafa', '@lorafa/gpu'];
const BUILTINS = new Set(builtinModules);
const isBuiltin = (id: string) => id.startsWith('node:') || BUILTINS.has(id.split('/')[0]!);

interface ImportGraph {
  entries: Map<string, string>; // entry specifier → resolved module id
  staticImports: Map<string, string[]>; // module id → ids it imports statically
}

/** Keeps built-ins external and records, once bundling is done, every module's static imports. */
function recordImportGraph(graph: ImportGraph): Plugin {
  return {
    name: 'record-import-graph',
    enforce: 'pre',
    resolveId(source) {
      return isBuiltin(source) ? { id: source, external: true } : null;
    },
    buildEnd() {
      for (const id of this.getModuleIds()) {
        const info = this.getModuleInfo(id);
        const entry = ENTRIES.find((name) => id.endsWith(`packages/${name.replace('@lorafa/', '')}/src/index.ts`));
        if (info?.isEntry) graph.entries.set(entry ?? id, id);
        graph.staticImports.set(id, [...(info?.importedIds ?? [])]);
      }
    },
  };
}

/** The chain of static imports from `entry` to the first built-in it reaches, or null. */
function chainToBuiltin(graph: ImportGraph, entry: string): string[] | null {
  const cameFrom = new Map<string, string | null>([[entry, null]]);
  for (const queue = [entry]; queue.length > 0; ) {
    const id = queue.shift()!;
    if (isBuiltin(id)) {
      const chain: string[] = [];
      for (let at: string | null = id; at !== null; at = cameFrom.get(at) ?? null) chain.unshift(at);
      return chain.map((step) => step.replace(`${process.cwd()}/`, ''));
    }
    for (const next of graph.staticImports.get(id) ?? []) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, id);
        queue.push(next);
      }
    }
  }
  return null;
}

async function browserImportGraph(): Promise<ImportGraph> {
  const graph: ImportGraph = { entries: new Map(), staticImports: new Map() };
  await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { conditions: ['source', ...defaultClientConditions] },
    plugins: [recordImportGraph(graph)],
    build: {
      write: false,
      target: 'esnext',
      minify: false,
      rollupOptions: { input: ENTRIES, onwarn: () => {} },
    },
  });
  return graph;
}

describe('the main entries in a browser', () => {
  it('import no Node.js built-in statically, in their whole import graph', async () => {
    const graph = await browserImportGraph();
    expect([...graph.entries.keys()].sort()).toEqual([...ENTRIES].sort());
    const offending = [...graph.entries].flatMap(([entry, id]) => {
      const chain = chainToBuiltin(graph, id);
      return chain ? [`${entry}: ${chain.join(' → ')}`] : [];
    });
    expect(offending, 'a module statically imports a Node.js built-in').toEqual([]);
  });
});
