import * as T from '@lorafa/tensor';
import type { GpuMode } from '@lorafa/gpu';
import { createGpuBackend, probeGpuMode } from '@lorafa/gpu';
import type { BackendStatus, PlaygroundBackend } from '../protocol.js';
import { PLAYGROUND_BACKENDS } from '../protocol.js';

/** Which backends can run in this worker; an unavailable gpu mode comes with gpu.js's reason. */
export async function probeBackends(): Promise<BackendStatus[]> {
  return Promise.all(
    PLAYGROUND_BACKENDS.map(async (name): Promise<BackendStatus> => {
      if (!name.startsWith('gpu:')) return { name, available: true };
      const probe = await probeGpuMode(name.slice(4) as GpuMode);
      return probe.available ? { name, available: true } : { name, available: false, reason: probe.reason };
    }),
  );
}

/**
 * Makes `name` the default backend for new tensors and returns the name of the backend that
 * runs (a gpu backend is created and registered once, and refuses a mode it cannot run).
 */
export async function useBackend(name: PlaygroundBackend): Promise<string> {
  if (name.startsWith('gpu:') && !T.listBackends().includes(name)) {
    const backend = await createGpuBackend({ mode: name.slice(4) as GpuMode });
    T.registerBackend(backend);
  }
  return T.setBackend(name) && T.getBackend().name;
}
