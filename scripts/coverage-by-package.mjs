// Prints statement, branch, function and line coverage per package from vitest's V8 coverage
// summary (coverage/coverage-summary.json, written by `npm run test:coverage`).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const summary = JSON.parse(readFileSync('coverage/coverage-summary.json', 'utf8'));
const metrics = ['statements', 'branches', 'functions', 'lines'];
const packages = new Map();
for (const [file, counts] of Object.entries(summary)) {
  if (file === 'total') continue;
  const name = relative(process.cwd(), file).split('/')[1];
  const total = packages.get(name) ?? Object.fromEntries(metrics.map((m) => [m, { covered: 0, total: 0 }]));
  for (const m of metrics) {
    total[m].covered += counts[m].covered;
    total[m].total += counts[m].total;
  }
  packages.set(name, total);
}
const percent = ({ covered, total }) => (total === 0 ? '—' : `${((100 * covered) / total).toFixed(1)} %`);
console.log(`| package | ${metrics.join(' | ')} |`);
console.log(`|---|${metrics.map(() => '---:').join('|')}|`);
for (const [name, total] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`| @lorafa/${name} | ${metrics.map((m) => percent(total[m])).join(' | ')} |`);
}
