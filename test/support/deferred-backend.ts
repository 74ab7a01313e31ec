/**
 * A stand-in for an asynchronous device (what a gpu.js WebGPU backend looks like from the
 * seam): storage is an opaque handle, there is no synchronous read, and `read` resolves later.
 * Kernels delegate to a private CPU backend, so results must equal the CPU specification.
 */
import * as T from '@lorafa/tensor';

class DeviceStorage implements T.Storage {
  constructor(
    readonly backend: T.Backend,
    readonly inner: T.Storage,
  ) {}
  get dtype(): T.DType {
    return this.inner.dtype;
  }
  get length(): number {
    return this.inner.length;
  }
}

export function createDeferredBackend(name = 'deferred'): T.Backend & { reads: number } {
  const cpu = T.createCpuBackend(`${name}-host`);
  const unwrap = (view: T.View): T.View => ({
    ...view,
    storage: (view.storage as DeviceStorage).inner,
    shape: view.shape,
    strides: view.strides,
    offset: view.offset,
  });
  const backend = {
    name,
    reads: 0,
    upload: (data: T.TypedArray) => wrap(cpu.upload(data)),
    read: async (storage: T.Storage) => {
      backend.reads++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return cpu.read((storage as DeviceStorage).inner);
    },
    unary: (op: T.UnaryOp, x: T.View) => wrap(cpu.unary(op, unwrap(x))),
    binary: (op: T.BinaryOp, a: T.View, b: T.View) => wrap(cpu.binary(op, unwrap(a), unwrap(b))),
    compare: (op: T.CompareOp, a: T.View, b: T.View) => wrap(cpu.compare(op, unwrap(a), unwrap(b))),
    where: (c: T.View, a: T.View, b: T.View) => wrap(cpu.where(unwrap(c), unwrap(a), unwrap(b))),
    cast: (x: T.View, dtype: T.DType) => wrap(cpu.cast(unwrap(x), dtype)),
    reduce: (op: T.ReduceOp, x: T.View, rank: number) => wrap(cpu.reduce(op, unwrap(x), rank)),
    argReduce: (op: T.ArgReduceOp, x: T.View) => wrap(cpu.argReduce(op, unwrap(x))),
    matmul: (a: T.View, b: T.View) => wrap(cpu.matmul(unwrap(a), unwrap(b))),
    copy: (x: T.View) => wrap(cpu.copy(unwrap(x))),
    assign: (d: T.View, s: T.View) => cpu.assign(unwrap(d), unwrap(s)),
    gather: (x: T.View, axis: number, i: T.View) => wrap(cpu.gather(unwrap(x), axis, unwrap(i))),
    scatterAdd: (shape: T.Shape, axis: number, i: T.View, s: T.View) =>
      wrap(cpu.scatterAdd(shape, axis, unwrap(i), unwrap(s))),
  };
  const wrap = (inner: T.Storage): T.Storage => new DeviceStorage(backend, inner);
  return backend;
}
