/**
 * The peers of bench:gpu's matmul rows, timed on the same sizes and values:
 * - cpuFast: lorafa-ts's default CPU backend (WebAssembly SIMD on every core), for every mode;
 * - jaxWebgpu: @jax-js/jax 0.1.25 on its `webgpu` device, and
 * - tfjsWebgpu: @tensorflow/tfjs-backend-webgpu 4.22.0, both where WebGPU is there.
 * The WebGPU peers are timed resident like gpu:webgpu: operands on the device, a batch of
 * matmuls, then one wait for the device queue (no readback). A peer that cannot run says why.
 */
import * as T from '@lorafa/tensor';
import { measure } from './timing.js';
import { hostMatrix, matmulFlops } from './gpu-matmul.js';
import { timeQueued, timingFor } from './gpu-timing.js';

/** A peer's GFLOP/s at n, or why it was not measured. */
export type PeerTimer = (n: number) => Promise<number>;

export interface WebGpuPeers {
  timers: Record<string, PeerTimer>;
  status: Record<string, string>;
}

/** lorafa-ts's cpu-fast matmul (synchronous: the result is in host memory when it returns). */
export async function cpuFastGflops(n: number, quick: boolean): Promise<number> {
  const a = T.fromFlat(hostMatrix(n, 1), [n, n], { backend: 'cpu-fast' });
  const b = T.fromFlat(hostMatrix(n, 2), [n, n], { backend: 'cpu-fast' });
  const { medianMs } = await measure(() => void T.matmul(a, b), timingFor(quick));
  return matmulFlops(n) / (medianMs * 1e6);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** jax-js on WebGPU, if its `init('webgpu')` finds a device (navigator.gpu must be set first). */
async function jaxWebGpu(quick: boolean): Promise<PeerTimer | string> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return 'unavailable: navigator.gpu is not set';
  try {
    if ((await gpu.requestAdapter()) === null) return 'unavailable: navigator.gpu.requestAdapter() found no adapter';
    // jax-js reads navigator.userAgent when its WebGPU backend loads; Node 20's navigator (set up
    // by installNodeWebGpu) has none. Node 21+ answers `Node.js/<major>`: do the same.
    const nav = (globalThis as unknown as { navigator: { userAgent?: string } }).navigator;
    if (nav.userAgent === undefined) {
      Object.defineProperty(nav, 'userAgent', {
        value: `Node.js/${process.versions.node.split('.')[0]}`,
        configurable: true,
      });
    }
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('webgpu');
    if (!devices.includes('webgpu')) return `unavailable: init('webgpu') returned [${devices.join(', ')}]`;
    const np = jax.numpy;
    return async (n) => {
      const on = { shape: [n, n], device: 'webgpu' as const };
      const [a, b] = [np.array(hostMatrix(n, 1), on), np.array(hostMatrix(n, 2), on)];
      await jax.blockUntilReady([a, b]);
      let batch: InstanceType<typeof jax.Array>[] = [];
      const timing = await timeQueued(
        () => void batch.push(np.matmul(a.ref, b.ref)), // jax-js consumes its arguments: pass new references
        async () => {
          await jax.blockUntilReady(batch);
          for (const c of batch) c.dispose();
          batch = [];
        },
        timingFor(quick),
      );
      a.dispose();
      b.dispose();
      return matmulFlops(n) / (timing.ms * 1e6);
    };
  } catch (error) {
    return `unavailable: ${message(error)}`;
  }
}

interface TfjsWebGpuBackend {
  submitQueue?(): void;
  device?: { queue: { onSubmittedWorkDone(): Promise<void> } };
}

const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';

/** tfjs's WebGPU backend, if the package is installed (it is not a dependency yet) and finds a device. */
async function tfjsWebGpu(quick: boolean): Promise<PeerTimer | string> {
  try {
    await import(/* @vite-ignore */ TFJS_WEBGPU as string);
  } catch {
    return `not installed (add ${TFJS_WEBGPU}@4.22.0 to benchmarks' devDependencies)`;
  }
  const tf = await import('@tensorflow/tfjs-core');
  try {
    if (!(await tf.setBackend('webgpu'))) return `unavailable: tf.setBackend('webgpu') returned false`;
    await tf.ready();
    const backend = tf.backend() as unknown as TfjsWebGpuBackend;
    if (!backend.submitQueue || !backend.device) return 'unavailable: tfjs webgpu backend exposes no device queue';
    const { submitQueue, device } = { submitQueue: backend.submitQueue.bind(backend), device: backend.device };
    return async (n) => {
      const [a, b] = [tf.tensor2d(hostMatrix(n, 1), [n, n]), tf.tensor2d(hostMatrix(n, 2), [n, n])];
      let batch: { dispose(): void }[] = [];
      const timing = await timeQueued(
        () => void batch.push(tf.matMul(a, b)),
        async () => {
          submitQueue();
          await device.queue.onSubmittedWorkDone();
          for (const c of batch) c.dispose();
          batch = [];
        },
        timingFor(quick),
      );
      a.dispose();
      b.dispose();
      return matmulFlops(n) / (timing.ms * 1e6);
    };
  } catch (error) {
    return `unavailable: ${message(error)}`;
  }
}

/** Sets up the WebGPU peers once: a timer for each that can run, a status line for each. */
export async function webGpuPeers(quick: boolean): Promise<WebGpuPeers> {
  const timers: Record<string, PeerTimer> = {};
  const status: Record<string, string> = {};
  for (const [name, setUp] of [
    ['jaxWebgpu', jaxWebGpu],
    ['tfjsWebgpu', tfjsWebGpu],
  ] as const) {
    const peer = await setUp(quick);
    if (typeof peer === 'string') status[name] = peer;
    else {
      timers[name] = peer;
      status[name] = 'available';
    }
  }
  return { timers, status };
}
