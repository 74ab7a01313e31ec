import type { DType, TypedArray } from '../../dtype.js';
import type { Backend, Storage, View } from '../backend.js';
import { matmulFast } from './matmul-fast.js';
import { COMPARE, BINARY, UNARY } from './scalar-functions.js';
import { assignView, mapBinary, mapTernary, mapUnary } from './elementwise.js';
import { argReduceLast, reduceTrailing } from './reduce.js';
import { matmulStrided } from './matmul.js';
import { gatherAlong, scatterAddAlong } from './gather.js';
import { CpuStorage, dataOf } from './storage.js';

export { CpuStorage } from './storage.js';

function castValue(dtype: DType): (x: number) => number {
  if (dtype === 'bool') return (x) => (x !== 0 ? 1 : 0);
  return (x) => x; // typed-array stores round (float32) or truncate (int32)
}

/** Kernels a faster CPU backend may replace (each returns the output's elements). */
export interface CpuKernelOverrides {
  matmul?: (a: View, b: View) => TypedArray;
}

/**
 * The plain CPU backend: readable loops over typed arrays. It is the specification that every
 * faster backend is checked against. `overrides` swaps in faster kernels (see
 * createFastCpuBackend) while everything else stays the specification's.
 */
export function createCpuBackend(name = 'cpu', overrides: CpuKernelOverrides = {}): Backend {
  const matmul = overrides.matmul ?? matmulStrided;
  const backend: Backend = {
    name,
    upload: (data) => wrap(data.slice()),
    read: async (storage) => dataOf(storage).slice(),
    readSync: (storage) => dataOf(storage).slice(),
    unary: (op, x) => wrap(mapUnary(x, x.storage.dtype, UNARY[op])),
    binary: (op, a, b) => wrap(mapBinary(a, b, a.storage.dtype, BINARY[op])),
    compare: (op, a, b) => {
      const test = COMPARE[op];
      return wrap(mapBinary(a, b, 'bool', (x, y) => (test(x, y) ? 1 : 0)));
    },
    where: (c, a, b) => wrap(mapTernary(c, a, b, a.storage.dtype, (cond, x, y) => (cond !== 0 ? x : y))),
    cast: (x, dtype) => wrap(mapUnary(x, dtype, castValue(dtype))),
    reduce: (op, x, reducedRank) => wrap(reduceTrailing(op, x, reducedRank)),
    argReduce: (op, x) => wrap(argReduceLast(op, x)),
    matmul: (a, b) => wrap(matmul(a, b)),
    copy: (x) => wrap(mapUnary(x, x.storage.dtype, (v) => v)),
    assign: (destination, source) => assignView(destination, source),
    gather: (x, axis, indices) => wrap(gatherAlong(x, axis, indices)),
    scatterAdd: (shape, axis, indices, source) =>
      wrap(scatterAddAlong(shape, axis, indices, source, source.storage.dtype)),
  };
  let allocated = 0;
  backend.allocatedBytes = () => allocated;
  function wrap(data: TypedArray): Storage {
    allocated += data.byteLength; // kernel scratch (packed panels, offset tables) is not counted
    return new CpuStorage(backend, data);
  }
  return backend;
}

/**
 * The default backend: the CPU specification with a fast matmul (WebAssembly SIMD, or register
 * tiles in JavaScript for small products), bit-identical to the specification's (same float64
 * sums in the same order).
 */
export function createFastCpuBackend(name = 'cpu-fast'): Backend {
  return createCpuBackend(name, { matmul: matmulFast });
}
