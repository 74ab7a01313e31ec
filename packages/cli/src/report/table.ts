import type { AdapterDistributions } from '../training/distributions.js';

/** One method's row, as `lorafa finetune --json` reports it. */
export interface MethodReport {
  key: string;
  method: string;
  trainableParams: number;
  evalLoss: number;
  perplexity: number;
  savedActivationBytes: number;
  stepMs: number;
  tokensPerSecond: number;
  peakRssBytes: number;
  conditionNumber: number | null;
  correctionCosine: number | null;
  /** Model FLOPs of one step (gpt2StepFlops: matrix products, forward and backward), in GFLOP. */
  stepGflop?: number | null;
  /** stepGflop per second of the median step. */
  gflopPerSecond?: number | null;
  /** gflopPerSecond over the matmul peak measured in the same run (null off the CPU). */
  mfu?: number | null;
  history: { losses: { step: number; loss: number }[]; evals: { step: number; loss: number }[] };
  /** A's and B's entries per module kind at the start and the end (null for Full-FT). */
  distributions?: { start: AdapterDistributions; end: AdapterDistributions | null } | null;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const optional = (v: number | null, digits: number, exponent = false) =>
  v === null ? '—' : exponent ? v.toExponential(1) : v.toFixed(digits);

const COLUMNS: [string, (r: MethodReport) => string][] = [
  ['method', (r) => r.method],
  ['trainable', (r) => r.trainableParams.toLocaleString('en')],
  ['held-out loss', (r) => r.evalLoss.toFixed(4)],
  ['perplexity', (r) => r.perplexity.toFixed(2)],
  ['saved activations/step', (r) => mib(r.savedActivationBytes)],
  ['peak RSS', (r) => mib(r.peakRssBytes)],
  ['step', (r) => `${Math.round(r.stepMs)} ms`],
  ['tokens/s', (r) => Math.round(r.tokensPerSecond).toLocaleString('en')],
  ['cond(Gram)', (r) => optional(r.conditionNumber, 1, true)],
  ['cos(corrected, raw)', (r) => optional(r.correctionCosine, 4)],
  ['GFLOP/step', (r) => optional(r.stepGflop ?? null, 3)],
  ['GFLOP/s', (r) => optional(r.gflopPerSecond ?? null, 2)],
  ['MFU', (r) => (r.mfu === null || r.mfu === undefined ? '—' : `${(100 * r.mfu).toFixed(1)} %`)],
];

export function textTable(reports: readonly MethodReport[]): string[] {
  const cells = reports.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(COLUMNS.map(([t]) => t)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
}

export function markdownReport(
  reports: readonly MethodReport[],
  options: Record<string, string | undefined>,
  plot: string,
): string {
  const header = `| ${COLUMNS.map(([t]) => t).join(' | ')} |\n|${COLUMNS.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  const rows = reports.map((r) => `| ${COLUMNS.map(([, f]) => f(r)).join(' | ')} |`).join('\n');
  const settings = Object.entries(options)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `# lorafa compare\n\n${new Date().toISOString()} — ${settings}\n\n${header}\n${rows}\n\n![loss curves](${plot})\n\n` +
    'Saved activations are the bytes the tape held for backward in one step (activations only). ' +
    'cond(Gram) is the condition number of A Aᵀ (LoRA-FA) or Bᵀ B (LoRA-FB); cos(corrected, raw) is the cosine ' +
    'between the update the optimizer makes from the corrected gradient and the one it would make from the raw gradient, averaged over the run. ' +
    'GFLOP/step counts the matrix products of one step, forward and backward, that the method computes (gpt2StepFlops); ' +
    'MFU is GFLOP/s over the float32 matmul peak (512 x 512) measured in the same run.\n'
  );
}
