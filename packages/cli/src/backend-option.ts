import * as T from '@lorafa/tensor';
import type { GpuModeRequest } from '@lorafa/gpu';
import { createGpuBackend, GPU_MODES, GpuUnavailableError } from '@lorafa/gpu';
import { installNodeWebGpu } from '@lorafa/gpu/node';
import { UsageError } from './cli-error.js';

/** The backends a command can run on, as `--backend` (or LORAFA_BACKEND) names them. */
export const BACKENDS = ['cpu-fast', 'cpu', ...GPU_MODES.map((m) => `gpu:${m}`), 'gpu:auto'] as const;

/** The help lines every command that computes shows for the option. */
export const BACKEND_HELP = `  --backend NAME      where tensors live and kernels run (default: LORAFA_BACKEND, else cpu-fast):
                      cpu-fast (WebAssembly SIMD, bit-identical to cpu), cpu (the plain
                      specification), gpu:webgpu (WebGPU through Dawn; needs a GPU),
                      gpu:webasm (gpu.js WebAssembly), gpu:cpu (gpu.js JavaScript), gpu:auto
                      (the first gpu mode that works here). gpu:webgl2 runs in a browser only.
                      gpu backends compute in float32.`;

/**
 * Makes the asked-for backend the default for new tensors and returns its name (a gpu backend
 * is created, checked and registered first; its name is the mode that actually runs). An
 * unknown name, or a gpu mode that cannot run here, is a usage error that says why.
 */
export async function selectBackend(
  command: string,
  flag: string | undefined,
  env = globalThis.process?.env ?? {},
): Promise<string> {
  const requested = flag ?? env['LORAFA_BACKEND'] ?? 'cpu-fast';
  const source = flag !== undefined ? '--backend' : env['LORAFA_BACKEND'] !== undefined ? 'LORAFA_BACKEND' : 'default';
  if (!(BACKENDS as readonly string[]).includes(requested) && requested !== 'gpu:webgl2') {
    throw new UsageError(
      `${command}: ${source} '${requested}' is not a backend (expected one of ${BACKENDS.join(', ')})`,
    );
  }
  if (!requested.startsWith('gpu:')) {
    T.setBackend(requested);
    return requested;
  }
  const mode = requested.slice(4) as GpuModeRequest;
  if (mode === 'webgpu' || mode === 'auto') await installNodeWebGpu();
  try {
    const backend = await createGpuBackend({ mode });
    T.registerBackend(backend);
    T.setBackend(backend.name);
    return backend.name;
  } catch (error) {
    if (error instanceof GpuUnavailableError)
      throw new UsageError(`${command}: ${source} ${requested}: ${error.reason}`);
    throw error;
  }
}

/** Runs `run` with the asked-for backend as the default, restoring the previous default after. */
export async function withBackend<R>(
  command: string,
  flag: string | undefined,
  run: (backend: string) => Promise<R>,
): Promise<R> {
  const previous = T.getBackend().name;
  try {
    return await run(await selectBackend(command, flag));
  } finally {
    T.setBackend(previous);
  }
}
