import type { MethodReport } from './table.js';
import type { SeedStats } from './seed-stats.js';
import { formatSeedStats, seedStats } from './seed-stats.js';

/** A run's report with what it varied: its variant (compare's method key), init and seed. */
export type SeededRun = MethodReport & { variant: string; init: string; seed: number };

/** The runs of one variant and init over its seeds, summarised. */
export interface RunGroup {
  variant: string;
  /** The variant's label (e.g. LoRA-FA). */
  method: string;
  init: string;
  seeds: number[];
  evalLoss: SeedStats;
  conditionNumber: SeedStats | null;
  correctionCosine: SeedStats | null;
}

/** Groups runs by variant and init, in the order they were run. */
export function groupRuns(runs: readonly SeededRun[], labelOf: (variant: string) => string): RunGroup[] {
  const groups = new Map<string, SeededRun[]>();
  for (const run of runs) {
    const key = `${run.variant}\u0000${run.init}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((members) => {
    const numbers = (f: (r: SeededRun) => number | null) =>
      members.map(f).filter((v): v is number => v !== null && Number.isFinite(v));
    return {
      variant: members[0]!.variant,
      method: labelOf(members[0]!.variant),
      init: members[0]!.init,
      seeds: members.map((r) => r.seed),
      evalLoss: seedStats(numbers((r) => r.evalLoss))!,
      conditionNumber: seedStats(numbers((r) => r.conditionNumber)),
      correctionCosine: seedStats(numbers((r) => r.correctionCosine)),
    };
  });
}

const COLUMNS: [string, (g: RunGroup) => string][] = [
  ['method', (g) => g.method],
  ['init', (g) => g.init],
  ['seeds', (g) => g.seeds.join(',')],
  ['held-out loss (mean ± sd)', (g) => formatSeedStats(g.evalLoss, 4)],
  ['range', (g) => `${g.evalLoss.min.toFixed(4)}–${g.evalLoss.max.toFixed(4)}`],
  ['cond(Gram)', (g) => formatSeedStats(g.conditionNumber, 1, true)],
  ['cos(corrected, raw)', (g) => formatSeedStats(g.correctionCosine, 4)],
];

/** The groups as text lines (aligned columns) or as a Markdown table. */
export function groupTable(groups: readonly RunGroup[], format: 'text' | 'markdown'): string[] {
  const cells = groups.map((g) => COLUMNS.map(([, f]) => f(g)));
  if (format === 'markdown')
    return [
      `| ${COLUMNS.map(([t]) => t).join(' | ')} |`,
      `|${COLUMNS.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
      ...cells.map((row) => `| ${row.join(' | ')} |`),
    ];
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(COLUMNS.map(([t]) => t)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
}
