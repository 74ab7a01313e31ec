/**
 * Runs `lorafa` in this process from the sources, as a child of a test: the exit code is the
 * CLI's, and the process's peak RSS (bytes) is written to the file named by LORAFA_RSS_FILE.
 * Used by test/robustness through runLorafa (cli.ts).
 */
import { writeFileSync } from 'node:fs';
import { runCli } from '../../../packages/cli/src/main.js';

const code = await runCli(process.argv.slice(2));
const rssFile = process.env.LORAFA_RSS_FILE;
if (rssFile) writeFileSync(rssFile, String(process.resourceUsage().maxRSS * 1024));
process.exitCode = code;
