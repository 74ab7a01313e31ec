/**
 * LoRA-FA's layer, forward and backward, on a gpu backend, at a LoRA-ish shape (N = n tokens,
 * in = out = n, r = 16, bias on, the correction on):
 *   forward   H = X Aᵀ,  Y = X W0ᵀ + b + s H Bᵀ
 *   backward  dX = G W0 + s (G B) A,  dB = Gᵀ (H M) / s  (Theorem 4.1, M = (A Aᵀ)⁻¹),  db = Σ G
 * - fused: the LoRA-FA op (`loraFaLinear`, with autograd), which runs the backend's fused kernels;
 * - unfused: the same math composed from plain tensor ops on the same backend.
 * Both are timed resident: operands on the device, outputs released, one wait for the device per batch.
 * GFLOP/s counts the matrix products: 4·N·in·out + 2·N·r·(2·in + 3·out + r).
 */
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { GpuBackend } from '@lorafa/gpu';
import { GramSolver, loraFaLinear } from '@lorafa/lorafa';
import type { DeviceTiming } from './gpu-timing.js';
import { deviceIdle, timeQueued, timingFor } from './gpu-timing.js';

export const LORA_RANK = 16;
const SCALING = 2; // alpha / r with alpha = 2r, as bench:step

export interface LoraFaShape {
  tokens: number;
  inFeatures: number;
  outFeatures: number;
  rank: number;
}

export const loraFaShape = (n: number): LoraFaShape => ({ tokens: n, inFeatures: n, outFeatures: n, rank: LORA_RANK });

export function loraFaFlops({ tokens: N, inFeatures: i, outFeatures: o, rank: r }: LoraFaShape): number {
  return 4 * N * i * o + 2 * N * r * (2 * i + 3 * o + r);
}

interface Operands {
  x: T.Tensor;
  w0: T.Tensor;
  a: T.Tensor;
  b: T.Tensor;
  bias: T.Tensor;
  g: T.Tensor;
  inverseGram: T.Tensor;
}

/** Standard-normal operands (A scaled by 1/√in, as LoRA initialises it), uploaded to `backend`. */
function operandsOn(backend: GpuBackend, s: LoraFaShape): Operands {
  const rng = new T.Rng(11);
  const host = (shape: number[], std = 1) => T.randn(shape, { rng, std, backend: 'cpu', dtype: 'float32' });
  const hostA = host([s.rank, s.inFeatures], 1 / Math.sqrt(s.inFeatures));
  const up = (t: T.Tensor) => T.fromFlat(t.dataSync(), t.shape, { backend: backend.name, dtype: 'float32' });
  return {
    x: up(host([s.tokens, s.inFeatures])),
    w0: up(host([s.outFeatures, s.inFeatures])),
    a: up(hostA),
    b: up(host([s.outFeatures, s.rank])),
    bias: up(host([s.outFeatures])),
    g: up(host([s.tokens, s.outFeatures])),
    inverseGram: up(T.cast(GramSolver.forRows(hostA).inverseMatrix(), 'float32')),
  };
}

/** One forward and backward through the LoRA-FA op; returns what it produced, to release. */
function fusedPass(o: Operands): () => T.Tensor[] {
  const x = A.parameter(o.x);
  const w0 = A.parameter(o.w0, 'W0', { trainable: false });
  const a = A.parameter(o.a, 'A', { trainable: false });
  const b = A.parameter(o.b);
  const bias = A.parameter(o.bias);
  return () => {
    const y = loraFaLinear(x, w0, a, b, bias, SCALING, o.inverseGram);
    y.backward(o.g);
    const outputs = [y.value, x.grad!, b.grad!, bias.grad!];
    for (const v of [x, b, bias]) v.zeroGrad();
    return outputs;
  };
}

/** The same forward and backward from plain tensor ops (temporaries released by tidy). */
function unfusedPass(o: Operands): () => T.Tensor[] {
  return () =>
    T.tidy(
      () => {
        const h = T.matmul(o.x, o.a.transpose());
        const y = T.add(T.add(T.matmul(o.x, o.w0.transpose()), T.mul(T.matmul(h, o.b.transpose()), SCALING)), o.bias);
        const dX = T.add(T.matmul(o.g, o.w0), T.mul(T.matmul(T.matmul(o.g, o.b), o.a), SCALING));
        const dB = T.div(T.matmul(o.g.transpose(), T.matmul(h, o.inverseGram)), SCALING);
        const db = T.sum(o.g, 0);
        return [y, dX, dB, db];
      },
      (outputs) => outputs,
    );
}

export interface LoraFaTimings {
  fused: DeviceTiming & { readsPerOp: number };
  unfused: DeviceTiming & { readsPerOp: number };
  /** max over Y, dX, dB, db of max|fused − unfused| / max|unfused|: both compute the same thing. */
  maxRelativeDifference: number;
}

/** Runs each pass once (outside the timed loops) and compares their outputs on the host. */
async function difference(fused: () => T.Tensor[], unfused: () => T.Tensor[]): Promise<number> {
  const [got, want] = [fused(), unfused()];
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [await got[i]!.data(), await want[i]!.data()];
    let [scale, error] = [0, 0];
    for (let j = 0; j < w.length; j++) {
      scale = Math.max(scale, Math.abs(w[j]!));
      error = Math.max(error, Math.abs(g[j]! - w[j]!));
    }
    worst = Math.max(worst, error / scale);
  }
  for (const t of [...got, ...want]) T.releaseStorage(t.storage);
  return worst;
}

export async function timeLoraFa(backend: GpuBackend, s: LoraFaShape, quick: boolean): Promise<LoraFaTimings> {
  const operands = operandsOn(backend, s);
  const idle = deviceIdle(backend);
  await idle.wait();
  const time = async (pass: () => T.Tensor[]) => {
    const readsBefore = backend.reads - idle.reads;
    const timing = await timeQueued(
      () => {
        for (const t of pass()) T.releaseStorage(t.storage);
      },
      idle.wait,
      timingFor(quick),
    );
    const reads = backend.reads - idle.reads - readsBefore;
    return { ...timing, readsPerOp: reads / (2 + timing.reps * timing.batches) };
  };
  const [fusedRun, unfusedRun] = [fusedPass(operands), unfusedPass(operands)];
  const maxRelativeDifference = await difference(fusedRun, unfusedRun);
  const fused = await time(fusedRun);
  const unfused = await time(unfusedRun);
  for (const t of Object.values(operands)) T.releaseStorage(t.storage);
  return { fused, unfused, maxRelativeDifference };
}
