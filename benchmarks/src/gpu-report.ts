/**
 * bench:gpu's rows and how they print. Every row names the mode that ran (from the backend that
 * ran it), and the JSON (`--json`) holds exactly what the table prints.
 */
import type { Unavailable } from './gpu-modes.js';

export type Kernel = 'matmul' | 'lora-fa fwd+bwd' | 'gpt2 lora-fa step';

/** A peer's rate in the row's unit (GFLOP/s; tokens/s for a step), or why it was not measured. */
export type Peer = number | string;

export interface Row {
  /** The gpu.js mode that ran (GpuBackend.mode). */
  mode: string;
  kernel: Kernel;
  /** Matrix size (n x n matmul; N = in = out = n for LoRA-FA); tokens per step for a step. */
  n: number;
  /** GFLOP/s; null for a training step, whose rate is tokensPerSecond. */
  gflops: number | null;
  /** True when inputs stay on the device and nothing is read back in the timed loop. */
  resident: boolean;
  /** Other implementations on the same sizes, in this row's unit. */
  peers: Record<string, Peer>;
  /** This row's rate over each measured peer's. */
  ratios: Record<string, number>;
  /** Median milliseconds per operation. */
  ms: number;
  /** Device reads per operation in the timed loop (per step for a step: the loss). */
  readsPerOp: number;
  tokensPerSecond?: number;
  /** A step's last loss. */
  loss?: number;
  /** LoRA-FA rows: how far the fused outputs are from the unfused ones (normwise, relative). */
  maxRelativeDifference?: number;
  /** What the row measured, when n alone does not say it. */
  shape?: string;
  note?: string;
}

export interface Failure {
  mode: string;
  kernel: Kernel;
  n: number;
  error: string;
}

export interface Report {
  /** The first mode that ran, in gpu.js's order of preference (what `auto` would pick). */
  mode: string | null;
  modes: string[];
  machine: Record<string, unknown>;
  date: string;
  quick: boolean;
  rows: Row[];
  unavailable: Unavailable[];
  /** Peers that only run where WebGPU is there, and whether they could. */
  peerStatus: Record<string, string>;
  failed: Failure[];
}

/** Fills `ratios` from the numeric peers. */
export function withRatios(row: Omit<Row, 'ratios'>): Row {
  const rate = row.gflops ?? row.tokensPerSecond ?? NaN;
  const ratios: Record<string, number> = {};
  for (const [name, peer] of Object.entries(row.peers)) if (typeof peer === 'number') ratios[name] = rate / peer;
  return { ...row, ratios };
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

/** One table line: mode, kernel, size, rate, time, peers and ratios. */
export function formatRow(row: Row): string {
  const rate =
    row.gflops !== null
      ? `${fixed(row.gflops).padStart(9)} GFLOP/s`
      : `${fixed(row.tokensPerSecond ?? NaN, 0).padStart(9)} tokens/s`;
  const peers = Object.entries(row.peers)
    .map(([name, peer]) =>
      typeof peer === 'number' ? `${name} ${fixed(peer)} (${fixed(row.ratios[name]!)}x)` : `${name}: ${peer}`,
    )
    .join('; ');
  return [
    `gpu:${row.mode}`.padEnd(11),
    row.kernel.padEnd(17),
    `n=${row.n}`.padEnd(7),
    (row.resident ? 'resident' : 'upload+read').padEnd(11),
    rate,
    `${fixed(row.ms, 1).padStart(9)} ms`,
    `reads/op ${row.readsPerOp}`,
    peers ? `| ${peers}` : '',
    row.shape ? `[${row.shape}]` : '',
    row.loss !== undefined ? `loss ${fixed(row.loss, 4)}` : '',
    row.maxRelativeDifference !== undefined
      ? `fused vs unfused: max rel. diff ${row.maxRelativeDifference.toExponential(1)}`
      : '',
    row.note ? `(${row.note})` : '',
  ]
    .filter((part) => part !== '')
    .join('  ');
}

/** What follows the rows: the modes and peers that did not run, and why; any failures. */
export function formatTrailer(report: Report): string[] {
  const lines: string[] = [];
  for (const u of report.unavailable) lines.push(`${`gpu:${u.mode}`.padEnd(11)}  unavailable: ${u.reason}`);
  for (const [peer, status] of Object.entries(report.peerStatus)) lines.push(`peer ${peer}: ${status}`);
  for (const f of report.failed) lines.push(`gpu:${f.mode.padEnd(7)}  ${f.kernel} n=${f.n} FAILED: ${f.error}`);
  return lines;
}
