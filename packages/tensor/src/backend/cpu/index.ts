import type { DType, TypedArray } from '../../dtype.js';
import { dtypeOfArray } from '../../dtype.js';
import type { Backend, BinaryOp, ReduceOp, Storage, UnaryOp, View } from '../backend.js';
import { assignFast, binaryFast, copyFast, reduceFast, unaryFast, whereFast } from './elementwise-fast.js';
import { matmulAddFast, matmulFast } from './matmul-fast.js';
import { COMPARE, BINARY, UNARY } from './scalar-functions.js';
import { assignView, mapBinary, mapTernary, mapUnary } from './elementwise.js';
import { argReduceLast, reduceTrailing } from './reduce.js';
import { matmulStrided } from './matmul.js';
import { gatherAlong, scatterAddAlong } from './gather.js';
import { CpuStorage, dataOf } from './storage.js';
import { createCpuFusedKernels } from './fused/index.js';
import { adamWUpdate } from './adamw.js';
import { allocateOutput, takeRecycledMark } from './pool.js';
import { noteAllocation } from '../allocations.js';

export { CpuStorage } from './storage.js';

function castValue(dtype: DType): (x: number) => number {
  if (dtype === 'bool') return (x) => (x !== 0 ? 1 : 0);
  return (x) => x; // typed-array stores round (float32) or truncate (int32)
}

/** Kernels a faster CPU backend may replace (each returns the output's elements). */
export interface CpuKernelOverrides {
  /** The batched product of `[..., m, k]` and `[..., k, n]` views. */
  matmul?: (a: View, b: View) => TypedArray;
  /** a b + c with c broadcast to the product's shape, bit-identical to matmul then add (none: composed). */
  matmulAdd?: (a: View, b: View, c: View) => TypedArray;
  /** An elementwise function of one view. */
  unary?: (op: UnaryOp, x: View) => TypedArray;
  /** An elementwise function of two equally shaped views. */
  binary?: (op: BinaryOp, a: View, b: View) => TypedArray;
  /** condition ? a : b over equally shaped views. */
  where?: (condition: View, a: View, b: View) => TypedArray;
  /** A reduction over the trailing `reducedRank` axes. */
  reduce?: (op: ReduceOp, x: View, reducedRank: number) => TypedArray;
  /** The elements of a view in row-major order. */
  copy?: (x: View) => TypedArray;
  /** Writes a view's elements into another, equally shaped view. */
  assign?: (destination: View, source: View) => void;
}

/**
 * The plain CPU backend: readable loops over typed arrays. It is the specification that every
 * faster backend is checked against. `overrides` swaps in faster kernels (see
 * createFastCpuBackend) while everything else stays the specification's.
 */
export function createCpuBackend(name = 'cpu', overrides: CpuKernelOverrides = {}): Backend {
  const matmul = overrides.matmul ?? matmulStrided;
  const unary = overrides.unary ?? ((op: UnaryOp, x: View) => mapUnary(x, x.storage.dtype, UNARY[op]));
  const binary = overrides.binary ?? ((op: BinaryOp, a: View, b: View) => mapBinary(a, b, a.storage.dtype, BINARY[op]));
  const where =
    overrides.where ??
    ((c: View, a: View, b: View) => mapTernary(c, a, b, a.storage.dtype, (cond, x, y) => (cond !== 0 ? x : y)));
  const reduce = overrides.reduce ?? reduceTrailing;
  const copy = overrides.copy ?? ((x: View) => mapUnary(x, x.storage.dtype, (v) => v));
  const assign = overrides.assign ?? assignView;
  const backend: Backend = {
    name,
    upload: (data) => {
      const copy = allocateOutput(dtypeOfArray(data), data.length); // from the pool: every element is set
      copy.set(data);
      return wrap(copy);
    },
    read: async (storage) => dataOf(storage).slice(),
    readSync: (storage) => dataOf(storage).slice(),
    unary: (op, x) => wrap(unary(op, x)),
    binary: (op, a, b) => wrap(binary(op, a, b)),
    compare: (op, a, b) => {
      const test = COMPARE[op];
      return wrap(mapBinary(a, b, 'bool', (x, y) => (test(x, y) ? 1 : 0)));
    },
    where: (c, a, b) => wrap(where(c, a, b)),
    cast: (x, dtype) => wrap(mapUnary(x, dtype, castValue(dtype))),
    reduce: (op, x, reducedRank) => wrap(reduce(op, x, reducedRank)),
    argReduce: (op, x) => wrap(argReduceLast(op, x)),
    matmul: (a, b) => wrap(matmul(a, b)),
    ...(overrides.matmulAdd && {
      matmulAdd: (a: View, b: View, c: View) => wrap(overrides.matmulAdd!(a, b, c)),
    }),
    copy: (x) => wrap(copy(x)),
    assign: (destination, source) => assign(destination, source),
    gather: (x, axis, indices) => wrap(gatherAlong(x, axis, indices)),
    scatterAdd: (shape, axis, indices, source) =>
      wrap(scatterAddAlong(shape, axis, indices, source, source.storage.dtype)),
    fused: createCpuFusedKernels(wrap),
    adamW: (param, grad, m, v, step) => {
      const updated = adamWUpdate(param, grad, m, v, step);
      return { param: wrap(updated.param), m: wrap(updated.m), v: wrap(updated.v) };
    },
  };
  let [allocated, reused] = [0, 0];
  backend.allocatedBytes = () => allocated;
  backend.reusedBytes = () => reused;
  backend.release = (storage) => {
    if (storage instanceof CpuStorage) storage.release();
  };
  // Kernel scratch (packed panels, offset tables) is not counted.
  function wrap(data: TypedArray): Storage {
    if (takeRecycledMark(data)) reused += data.byteLength;
    else allocated += data.byteLength;
    const storage = new CpuStorage(backend, data);
    noteAllocation(storage);
    return storage;
  }
  return backend;
}

/**
 * The default backend: the CPU specification with fast kernels — a WebAssembly SIMD matmul
 * (register tiles in JavaScript for small products) and elementwise loops specialised per op
 * over merged axes — all bit-identical to the specification's (same operations, same order).
 */
export function createFastCpuBackend(name = 'cpu-fast'): Backend {
  return createCpuBackend(name, {
    matmul: matmulFast,
    matmulAdd: matmulAddFast,
    unary: unaryFast,
    binary: binaryFast,
    where: whereFast,
    reduce: reduceFast,
    copy: copyFast,
    assign: assignFast,
  });
}
