import type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  CompareOp,
  DType,
  ReduceOp,
  Shape,
  Storage,
  TypedArray,
  UnaryOp,
  View,
} from '@lorafa/tensor';
import { DTypeError, noteAllocation, ShapeError, sizeOf } from '@lorafa/tensor';
import type { GpuJsInstance, GpuMode } from './gpujs.js';
import { KernelCache } from './kernel-cache.js';
import { CommandQueue } from './queue.js';
import { deleteHandle, downloadHandle, GpuStorage } from './storage.js';
import { BINARY_SOURCE, COMPARE_SOURCE, storeAs, UNARY_SOURCE } from './codegen/scalar.js';
import { assignSource, mapSource } from './kernels/elementwise.js';
import { argReduceSource, reduceSource } from './kernels/reduce.js';
import { matmulSource } from './kernels/matmul.js';
import { gatherSource, scatterAddSource } from './kernels/gather.js';
import { fusedLoraFaKernels } from './fused-lora-fa.js';

/**
 * Index arithmetic runs in float32 on every gpu.js mode, exact for indices below 2^24; larger
 * tensors are refused rather than read at rounded addresses.
 */
export const MAX_ELEMENTS = 1 << 24;

/** The gpu backend: the seam's `Backend`, plus what it knows about itself. */
export interface GpuBackend extends Backend {
  /** The gpu.js mode every kernel of this backend ran in (checked per kernel). */
  readonly mode: GpuMode;
  /** Device reads so far (each `read` is one). */
  readonly reads: number;
  /** Distinct kernels compiled so far. */
  readonly compiledKernels: number;
  /** Waits until every command issued so far has run; rejects if one failed. */
  sync(): Promise<void>;
  /** Frees every kernel and the gpu.js instance. */
  destroy(): void;
}

const isGpuView = (view: View): boolean => view.storage instanceof GpuStorage;

interface GpuDevice {
  queue: { onSubmittedWorkDone(): Promise<void> };
}

/** The WebGPU device behind a webgpu handle (a WebGPUBufferResult's context), else null. */
function deviceOf(handle: unknown): GpuDevice | null {
  const device = (handle as { context?: { device?: GpuDevice } } | null)?.context?.device;
  return device?.queue?.onSubmittedWorkDone ? device : null;
}

/**
 * Builds the backend over a gpu.js instance already created (and verified) in `mode`; see
 * createGpuBackend for the public entry point.
 */
export function gpuBackendOver(gpu: GpuJsInstance, mode: GpuMode): GpuBackend {
  const name = `gpu:${mode}`;
  const kernels = new KernelCache(gpu, mode);
  const queue = new CommandQueue();
  let [allocated, reads] = [0, 0];
  /** The WebGPU device kernels are submitted to (webgpu mode only), for `sync`. */
  let submittedWork: GpuDevice | null = null;

  function checkInputs(kernel: string, views: readonly View[]): void {
    for (const view of views) {
      if (!isGpuView(view) || view.storage.backend !== backend) {
        throw new Error(
          `${name} backend: ${kernel} got a tensor on backend '${view.storage.backend.name}'; move it with toBackend() first`,
        );
      }
      (view.storage as GpuStorage).checkUsable();
      if (view.storage.dtype === 'float64') {
        throw new DTypeError(
          `${name} backend: ${kernel} got a float64 tensor; the gpu backend computes in float32 (cast to float32 first)`,
        );
      }
    }
  }

  function newStorage(kernel: string, dtype: DType, length: number): GpuStorage {
    if (dtype === 'float64') {
      throw new DTypeError(
        `${name} backend: ${kernel} would produce float64; the gpu backend holds float32, int32 and bool`,
      );
    }
    if (length > MAX_ELEMENTS) {
      throw new ShapeError(
        `${name} backend: ${kernel} would produce ${length} elements; tensors on the gpu backend hold at most 2^24 (${MAX_ELEMENTS})`,
      );
    }
    const storage = new GpuStorage(backend, dtype, length, kernel);
    allocated += length * 4;
    noteAllocation(storage);
    return storage;
  }

  /** Issues one kernel: its output storage now, its work on the queue. */
  function launch(
    kernel: string,
    dtype: DType,
    length: number,
    source: () => string,
    inputs: readonly View[],
  ): Storage {
    checkInputs(kernel, inputs);
    const out = newStorage(kernel, dtype, length);
    if (length === 0) {
      out.handle = new Float32Array(0);
      return out;
    }
    const code = source();
    queue.enqueue(`${name} ${kernel}`, async () => {
      const args = inputs.map((view) => (view.storage as GpuStorage).deviceHandle());
      out.handle = await kernels.run(kernel, code, length, args);
      submittedWork ??= deviceOf(out.handle);
    });
    return out;
  }

  const map = (kernel: string, dtype: DType, views: readonly View[], value: (v: string[]) => string): Storage =>
    launch(
      kernel,
      dtype,
      sizeOf(views[0]!.shape),
      () => mapSource(views[0]!.shape, views, (v) => storeAs(dtype, value(v))),
      views,
    );

  const backend: GpuBackend = {
    name,
    mode,
    get reads() {
      return reads;
    },
    get compiledKernels() {
      return kernels.size;
    },

    upload(data: TypedArray): Storage {
      const dtype: DType =
        data instanceof Float32Array
          ? 'float32'
          : data instanceof Int32Array
            ? 'int32'
            : data instanceof Uint8Array
              ? 'bool'
              : 'float64';
      const out = newStorage('upload', dtype, data.length);
      const values = Float32Array.from(data);
      if (values.length === 0) {
        out.handle = values;
        return out;
      }
      queue.enqueue(`${name} upload`, async () => {
        out.handle = await kernels.run('upload', 'function (x) {\nreturn x[this.thread.x];\n}', values.length, [
          values,
        ]);
      });
      return out;
    },

    async read(storage: Storage): Promise<TypedArray> {
      const gpuStorage = storage as GpuStorage;
      reads++;
      gpuStorage.checkUsable();
      const values = await queue.after(() => downloadHandle(gpuStorage.deviceHandle(), gpuStorage.length));
      switch (gpuStorage.dtype) {
        case 'int32':
          return Int32Array.from(values);
        case 'bool':
          return Uint8Array.from(values);
        default:
          return values;
      }
    },

    release(storage: Storage): void {
      const gpuStorage = storage as GpuStorage;
      if (gpuStorage.released) return;
      gpuStorage.released = true;
      queue.enqueue(`${name} release`, () => {
        deleteHandle(gpuStorage.handle);
        gpuStorage.handle = null;
      });
    },
    allocatedBytes: () => allocated,
    reusedBytes: () => 0,

    unary: (op: UnaryOp, x: View) => map(op, x.storage.dtype, [x], ([v]) => UNARY_SOURCE[op](v!)),
    binary: (op: BinaryOp, a: View, b: View) => map(op, a.storage.dtype, [a, b], ([x, y]) => BINARY_SOURCE[op](x!, y!)),
    compare: (op: CompareOp, a: View, b: View) => map(op, 'bool', [a, b], ([x, y]) => COMPARE_SOURCE[op](x!, y!)),
    where: (c: View, a: View, b: View) =>
      map('where', a.storage.dtype, [c, a, b], ([k, x, y]) => `(${k} !== 0 ? ${x} : ${y})`),
    cast: (x: View, dtype: DType) => map(`cast to ${dtype}`, dtype, [x], ([v]) => v!),
    copy: (x: View) => map('copy', x.storage.dtype, [x], ([v]) => v!),

    assign(destination: View, source: View): void {
      checkInputs('assign', [destination, source]);
      const target = destination.storage as GpuStorage;
      const code = assignSource(target.length, destination, source);
      queue.enqueue(`${name} assign`, async () => {
        const old = target.deviceHandle();
        target.handle = await kernels.run('assign', code, target.length, [
          old,
          (source.storage as GpuStorage).deviceHandle(),
        ]);
        deleteHandle(old);
      });
    },

    reduce: (op: ReduceOp, x: View, reducedRank: number) =>
      launch(
        op,
        x.storage.dtype,
        sizeOf(x.shape.slice(0, x.shape.length - reducedRank)),
        () => reduceSource(op, x, reducedRank),
        [x],
      ),
    argReduce: (op: ArgReduceOp, x: View) =>
      launch(op, 'int32', sizeOf(x.shape.slice(0, -1)), () => argReduceSource(op, x), [x]),
    matmul(a: View, b: View): Storage {
      const rank = a.shape.length;
      const shape = [...a.shape.slice(0, -1), b.shape[rank - 1]!];
      return launch('matmul', a.storage.dtype, sizeOf(shape), () => matmulSource(a, b), [a, b]);
    },
    gather(x: View, axis: number, indices: View): Storage {
      const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
      return launch('gather', x.storage.dtype, sizeOf(shape), () => gatherSource(x, axis, indices), [x, indices]);
    },
    scatterAdd(shape: Shape, axis: number, indices: View, source: View): Storage {
      return launch(
        'scatterAdd',
        source.storage.dtype,
        sizeOf(shape),
        () => scatterAddSource(shape, axis, indices, source),
        [indices, source],
      );
    },

    get loraFa() {
      return loraFa;
    },

    // gpu.js resolves a webgpu kernel when it is submitted, not when it has run: wait for the queue too.
    sync: () =>
      queue.after(async () => {
        await submittedWork?.queue.onSubmittedWorkDone();
      }),
    destroy(): void {
      kernels.destroy();
      void gpu.destroy();
    },
  };
  const loraFa = fusedLoraFaKernels({
    matmul: backend.matmul,
    launch: (kernel, length, source, inputs) => launch(kernel, inputs[0]!.storage.dtype, length, source, inputs),
  });
  return backend;
}
