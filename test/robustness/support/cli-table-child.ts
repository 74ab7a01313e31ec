/**
 * Runs a table of `lorafa` invocations one after another in this child process and writes,
 * for each, its exit code, stdout, stderr and peak RSS. The peak is reset before each
 * invocation (Linux: writing 5 to /proc/self/clear_refs resets VmHWM), so each row's peak is
 * its own, over the baseline of one Node process with the CLI loaded:
 *   node --conditions=source --import tsx cli-table-child.ts CASES.json RESULTS.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../../../packages/cli/src/main.js';

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssBytes(): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // not Linux: fall back to the process's peak so far
  }
  return process.resourceUsage().maxRSS * 1024;
}

const [casesFile, resultsFile] = process.argv.slice(2) as [string, string];
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as string[][];
const results = [];
for (const argv of cases) {
  const peakWasReset = resetPeak();
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  results.push({ code, stdout: out.join('\n'), stderr: err.join('\n'), peakRssBytes: peakRssBytes(), peakWasReset });
}
writeFileSync(resultsFile, JSON.stringify(results));
