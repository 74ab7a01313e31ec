/**
 * `npm run bench:step -- --profile`: where lorafa-ts's training step spends its time.
 *
 * Every kernel call on the backend seam is timed (the backend object's methods are wrapped in
 * place, so nothing in the library changes) and keyed by kernel and op — `binary:mul`,
 * `unary:tanh`, `reduce:sum`, `matmul`, … — with the bytes it touched (the views it read plus the
 * storage it wrote). The step is split into phases (forward and loss, backward, optimizer), and
 * the time not spent inside any kernel is reported as what it is: autograd bookkeeping and
 * JavaScript glue. Figures are per step, averaged over `steps` steps after one warm-up.
 */
import * as T from '@lorafa/tensor';
import type { Backend, View } from '@lorafa/tensor';
import type { StepPhases, StepShape } from './step-lorafa.js';
import { lorafaStep } from './step-lorafa.js';

type Category =
  | 'matmul'
  | 'elementwise'
  | 'reduction'
  | 'gather/scatter'
  | 'copy/assign'
  | 'transfer'
  | 'fused'
  | 'optimizer';
const CATEGORY: Record<string, Category> = {
  matmul: 'matmul',
  matmulAdd: 'matmul',
  unary: 'elementwise',
  binary: 'elementwise',
  compare: 'elementwise',
  where: 'elementwise',
  cast: 'elementwise',
  reduce: 'reduction',
  argReduce: 'reduction',
  gather: 'gather/scatter',
  scatterAdd: 'gather/scatter',
  copy: 'copy/assign',
  assign: 'copy/assign',
  upload: 'transfer',
  readSync: 'transfer',
  adamW: 'optimizer',
};
/** Kernels whose calls `--by-shape` keys by their operands' shapes and strides. */
const BY_SHAPE = new Set(['matmul', 'matmulAdd', 'binary']);
const operandLayouts = (args: unknown[]) =>
  args
    .filter(isView)
    .map((v) => `[${v.shape.join(',')}]/[${v.strides.join(',')}]`)
    .join(' x ');

interface KernelTotals {
  category: Category;
  calls: number;
  ms: number;
  bytes: number;
}

const isView = (value: unknown): value is View =>
  typeof value === 'object' && value !== null && 'storage' in value && 'shape' in value;
const viewBytes = (view: View) => T.sizeOf(view.shape) * T.bytesPerElement(view.storage.dtype);
const storageBytes = (value: unknown) =>
  typeof value === 'object' && value !== null && 'length' in value && 'dtype' in value
    ? (value as { length: number; dtype: T.DType }).length * T.bytesPerElement((value as { dtype: T.DType }).dtype)
    : 0;

/** Wraps the backend's kernels with timers; returns the totals (keyed by kernel:op) and an undo. */
function instrument(backend: Backend, byShape: boolean): { totals: Map<string, KernelTotals>; restore: () => void } {
  const totals = new Map<string, KernelTotals>();
  const target = backend as unknown as Record<string, unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const kernel of Object.keys(CATEGORY)) {
    const original = target[kernel];
    if (typeof original !== 'function') continue;
    originals.set(kernel, original as (...args: unknown[]) => unknown);
    target[kernel] = (...args: unknown[]) => {
      const op = typeof args[0] === 'string' ? `${kernel}:${args[0]}` : kernel;
      const key = byShape && BY_SHAPE.has(kernel) ? `${op} ${operandLayouts(args)}` : op;
      const start = performance.now();
      const result = (original as (...a: unknown[]) => unknown).apply(backend, args);
      const ms = performance.now() - start;
      const entry = totals.get(key) ?? { category: CATEGORY[kernel]!, calls: 0, ms: 0, bytes: 0 };
      entry.calls++;
      entry.ms += ms;
      entry.bytes += args.filter(isView).reduce((sum, v) => sum + viewBytes(v), 0) + storageBytes(result);
      totals.set(key, entry);
      return result;
    };
  }
  // The optional kernel groups (fused layers, fused LoRA-FA) are objects of kernels: wrap a copy.
  const groups = new Map<string, unknown>();
  for (const group of ['fused', 'loraFa']) {
    const kernels = target[group] as Record<string, unknown> | undefined;
    if (!kernels) continue;
    groups.set(group, kernels);
    const wrapped: Record<string, unknown> = {};
    for (const [kernel, fn] of Object.entries(kernels)) {
      if (typeof fn !== 'function') continue;
      const key = `${group}.${kernel}`;
      wrapped[kernel] = (...args: unknown[]) => {
        const start = performance.now();
        const result = (fn as (...a: unknown[]) => unknown).apply(kernels, args);
        const entry = totals.get(key) ?? { category: 'fused' as const, calls: 0, ms: 0, bytes: 0 };
        entry.calls++;
        entry.ms += performance.now() - start;
        const outputs =
          typeof result === 'object' && result !== null && !('length' in result) ? Object.values(result) : [result];
        entry.bytes +=
          args.filter(isView).reduce((sum, v) => sum + viewBytes(v), 0) +
          outputs.reduce((sum: number, o) => sum + storageBytes(o), 0);
        totals.set(key, entry);
        return result;
      };
    }
    target[group] = wrapped;
  }
  return {
    totals,
    restore: () => {
      for (const [kernel, original] of originals) target[kernel] = original;
      for (const [group, kernels] of groups) target[group] = kernels;
    },
  };
}

/** One profile table as text lines, and the figures behind it. */
export interface StepProfile {
  method: string;
  steps: number;
  stepMs: number;
  phases: StepPhases;
  /** Time inside kernels (all keys) and outside them (autograd, optimizer and JavaScript glue). */
  kernelMs: number;
  outsideKernelsMs: number;
  touchedBytes: number;
  allocatedBytes: number;
  reusedBytes: number;
  kernels: { key: string; category: Category; calls: number; ms: number; bytes: number }[];
  categories: { category: Category | 'outside kernels'; ms: number }[];
}

/**
 * Profiles `steps` steps of one method (after one warm-up step). `byShape` keys each matmul and
 * binary op by its operands' shapes and strides ("matmul [8,128,256]/[32768,256,1] x …"), to see
 * which products are slow.
 */
export function profileStep(
  shape: StepShape,
  method: 'full' | 'lora' | 'lora-fa',
  steps: number,
  byShape = false,
): StepProfile {
  const backend = T.getBackend();
  const phases: StepPhases = { forward: 0, backward: 0, optimizer: 0 };
  const step = lorafaStep(shape, method, phases);
  step(); // warm-up: compiles, fills the buffer pool
  for (const key of Object.keys(phases) as (keyof StepPhases)[]) phases[key] = 0;
  const { totals, restore } = instrument(backend, byShape);
  const [allocated0, reused0] = [backend.allocatedBytes?.() ?? NaN, backend.reusedBytes?.() ?? NaN];
  const start = performance.now();
  try {
    for (let i = 0; i < steps; i++) step();
  } finally {
    restore();
  }
  const per = (value: number) => value / steps;
  const stepMs = per(performance.now() - start);
  const kernels = [...totals.entries()]
    .map(([key, t]) => ({ key, category: t.category, calls: per(t.calls), ms: per(t.ms), bytes: per(t.bytes) }))
    .sort((a, b) => b.ms - a.ms);
  const kernelMs = kernels.reduce((sum, k) => sum + k.ms, 0);
  const byCategory = new Map<Category, number>();
  for (const k of kernels) byCategory.set(k.category, (byCategory.get(k.category) ?? 0) + k.ms);
  return {
    method,
    steps,
    stepMs,
    phases: { forward: per(phases.forward), backward: per(phases.backward), optimizer: per(phases.optimizer) },
    kernelMs,
    outsideKernelsMs: stepMs - kernelMs,
    touchedBytes: kernels.reduce((sum, k) => sum + k.bytes, 0),
    allocatedBytes: per((backend.allocatedBytes?.() ?? NaN) - allocated0),
    reusedBytes: per((backend.reusedBytes?.() ?? NaN) - reused0),
    kernels,
    categories: [
      ...[...byCategory.entries()].map(([category, ms]) => ({ category, ms })),
      { category: 'outside kernels' as const, ms: stepMs - kernelMs },
    ].sort((a, b) => b.ms - a.ms),
  };
}

/** The profile as a text table: phases, categories, then the kernels that take ≥ 0.5 % of the step. */
export function profileTable(p: StepProfile): string[] {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const share = (ms: number) => `${((100 * ms) / p.stepMs).toFixed(1).padStart(5)} %`;
  const lines = [
    `${p.method}: ${p.stepMs.toFixed(0)} ms per step (mean of ${p.steps}); forward+loss ${p.phases.forward.toFixed(0)} ms, backward ${p.phases.backward.toFixed(0)} ms, optimizer ${p.phases.optimizer.toFixed(0)} ms`,
    `  touched ${mib(p.touchedBytes)} per step (views read + storage written by kernels); storage new ${mib(p.allocatedBytes)}, reused ${mib(p.reusedBytes)} per step`,
    '  by category:',
    ...p.categories.map((c) => `    ${c.category.padEnd(16)} ${c.ms.toFixed(1).padStart(8)} ms ${share(c.ms)}`),
    '  by kernel (≥ 0.5 % of the step):',
    `    ${'kernel'.padEnd(34)} ${'category'.padEnd(15)} ${'calls'.padStart(6)} ${'ms'.padStart(8)} ${'share'.padStart(7)} ${'touched'.padStart(11)}`,
  ];
  for (const k of p.kernels) {
    if (k.ms < 0.005 * p.stepMs) continue;
    lines.push(
      `    ${k.key.padEnd(34)} ${k.category.padEnd(15)} ${k.calls.toFixed(0).padStart(6)} ${k.ms.toFixed(1).padStart(8)} ${share(k.ms)} ${mib(k.bytes).padStart(11)}`,
    );
  }
  return lines;
}
