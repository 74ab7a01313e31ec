/**
 * @lorafa/tensor: strided tensors over typed arrays, NumPy-broadcasting ops, small float64
 * linear algebra, a seeded PRNG, and the backend seam that kernels plug into.
 */
export type { DType, FloatDType, TypedArray } from './dtype.js';
export { bytesPerElement, isFloat, DTYPES } from './dtype.js';
export { ShapeError, DTypeError, formatShape } from './errors.js';
export type { Shape } from './shape.js';
export { sizeOf, broadcastShapes, contiguousStrides, normalizeAxis, normalizeAxes, shapesEqual } from './shape.js';

export type {
  Backend,
  LoraFaKernels,
  FusedKernels,
  AdamWKernel,
  AdamWStep,
  GeluApproximation,
  Storage,
  View,
  UnaryOp,
  BinaryOp,
  CompareOp,
  ReduceOp,
  ArgReduceOp,
} from './backend/backend.js';
export { createCpuBackend, createFastCpuBackend, CpuStorage } from './backend/cpu/index.js';
export type { CpuKernelOverrides } from './backend/cpu/index.js';
export { registerBackend, getBackend, setBackend, listBackends } from './backend/registry.js';
export { getNumThreads, setNumThreads } from './backend/cpu/wasm/gemm-runtime.js';
export { keep, noteAllocation, trackAllocations, releaseStorage, tidy } from './backend/allocations.js';

export { Tensor } from './tensor.js';
export type { NestedArray, SliceSpec } from './tensor.js';
export type { CreateOptions } from './creation.js';
export {
  tensor,
  fromFlat,
  full,
  zeros,
  ones,
  scalar,
  fullLike,
  zerosLike,
  onesLike,
  arange,
  eye,
  toBackend,
} from './creation.js';
export { Rng, manualSeed, rand, randn, uniform, kaimingUniform } from './random.js';
export type { RandomOptions } from './random.js';

export type { Operand } from './ops/operands.js';
export * from './ops/elementwise.js';
export { sum, mean, max, min, argmax, argmin, reducedShape } from './ops/reduce.js';
export type { Axes } from './ops/reduce.js';
export { matmul, matmulAdd } from './ops/matmul.js';
export { softmax, logSoftmax, logSumExp } from './ops/softmax.js';
export { concat, stack, sliceScatter, sliceScatterZeros } from './ops/join.js';
export { indexSelect, scatterAdd, oneHot } from './ops/index-select.js';

export * as linalg from './linalg/index.js';
