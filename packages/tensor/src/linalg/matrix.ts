import { formatShape, shapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { getBackend } from '../backend/registry.js';

/**
 * The dense row-major float64 matrix the linear-algebra routines work on. They serve small
 * problems (LoRA-FA's r x r Gram matrices, theorem tests), so they run on the host in float64
 * whatever the input dtype, and read their input synchronously (CPU storage).
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number, cols: number, data = new Float64Array(rows * cols)): Matrix {
  return { rows, cols, data };
}

export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Reads a 1-D (as a column) or 2-D float tensor into a float64 matrix. */
export function toMatrix(op: string, t: Tensor): Matrix {
  if (t.rank !== 2 && t.rank !== 1) throw shapeError(op, `expected a matrix, got shape ${formatShape(t.shape)}`);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new Error(`${op}: expected a float tensor, got ${t.dtype}`);
  const [rows, cols] = t.rank === 2 ? (t.shape as [number, number]) : [t.shape[0]!, 1];
  return matrix(rows, cols, Float64Array.from(t.dataSync()));
}

/**
 * Writes a float64 matrix back as a tensor (1-D if `vector`), on the host: the default backend
 * when that keeps data on the JavaScript heap, else the `cpu` specification (a device backend,
 * such as the gpu backend, holds no float64).
 */
export function fromMatrix(m: Matrix, vector = false): Tensor {
  const host = getBackend().readSync ? getBackend().name : 'cpu';
  return fromFlat(m.data, vector ? [m.rows] : [m.rows, m.cols], { dtype: 'float64', backend: host });
}

export function requireSquare(op: string, m: Matrix): void {
  if (m.rows !== m.cols) throw shapeError(op, `expected a square matrix, got [${m.rows}, ${m.cols}]`);
}

export function at(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

export function transposeMatrix(m: Matrix): Matrix {
  const out = matrix(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = at(m, i, j);
  return out;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw shapeError('linalg', `cannot multiply [${a.rows}, ${a.cols}] by [${b.rows}, ${b.cols}]`);
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let p = 0; p < a.cols; p++) {
      const aip = at(a, i, p);
      for (let j = 0; j < b.cols; j++) out.data[i * b.cols + j] += aip * at(b, p, j);
    }
  }
  return out;
}

/** Machine epsilon of float64. */
export const EPSILON = 2 ** -52;
