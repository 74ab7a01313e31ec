/**
 * Runs the `lorafa` CLI as a child process (from the sources, through tsx) and reports its
 * exit code, output, the first line of stderr and its peak RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..', '..');
const CHILD = join(here, 'cli-child.ts');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The first line on stderr ('' if none). */
  firstErrorLine: string;
  /** The child's peak resident set size in bytes (NaN if it died before reporting). */
  peakRssBytes: number;
}

/** Node plus tsx and the CLI's modules take about 140 MiB before any work on this machine. */
export const MiB = 2 ** 20;

/** Runs `node <script> ...args` with the sources resolved (the "source" condition, tsx). */
export function runNode(script: string, args: readonly string[], options: { timeoutMs?: number } = {}) {
  const rssDir = mkdtempSync(join(tmpdir(), 'lorafa-rss-'));
  const rssFile = join(rssDir, 'rss');
  return new Promise<ChildResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...process.env, LORAFA_RSS_FILE: rssFile, LORAFA_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let peakRssBytes = NaN;
      try {
        peakRssBytes = Number(readFileSync(rssFile, 'utf8'));
      } catch {
        // the child died before reporting
      }
      rmSync(rssDir, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr, firstErrorLine: stderr.split('\n')[0] ?? '', peakRssBytes });
    });
  });
}

/** Runs `lorafa ...args` as a child process. */
export function runLorafa(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<ChildResult> {
  return runNode(CHILD, args, options);
}

export interface TableResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The first line on stderr ('' if none). */
  firstErrorLine: string;
  /** Peak RSS during this invocation alone (reset before it), in bytes. */
  peakRssBytes: number;
}

/**
 * Runs many `lorafa` invocations, in order, in one child process (one Node start for all),
 * each with its own exit code, output and peak RSS (see cli-table-child.ts).
 */
export async function runLorafaTable(cases: readonly (readonly string[])[]): Promise<TableResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lorafa-table-'));
  const casesFile = join(dir, 'cases.json');
  const resultsFile = join(dir, 'results.json');
  writeFileSync(casesFile, JSON.stringify(cases));
  try {
    const child = await runNode(join(here, 'cli-table-child.ts'), [casesFile, resultsFile], { timeoutMs: 120_000 });
    if (child.code !== 0)
      throw new Error(`the table child failed (exit ${child.code}): ${child.stderr.slice(0, 2000)}`);
    const rows = JSON.parse(readFileSync(resultsFile, 'utf8')) as Omit<TableResult, 'firstErrorLine'>[];
    return rows.map((r) => ({ ...r, firstErrorLine: r.stderr.split('\n')[0] ?? '' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
