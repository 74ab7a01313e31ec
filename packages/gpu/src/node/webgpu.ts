/**
 * WebGPU in Node: the `webgpu` package (Dawn) provides `navigator.gpu`. Two adaptations make
 * gpu.js work with it: Dawn's globals (GPUBufferUsage, ...) are installed on globalThis, and each
 * device's `onuncapturederror` is given a setter that ignores the handler, because Dawn's
 * binding rejects JavaScript functions there (gpu.js assigns one).
 *
 * Where Dawn finds no adapter (a machine without a usable Vulkan GPU) gpu:webgpu is reported as
 * unavailable by createGpuBackend/probeGpuMode; that is not an error.
 */
interface DawnModule {
  create(flags: string[]): GPULike;
  globals: Record<string, unknown>;
}
interface GPULike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}
interface AdapterLike {
  requestDevice(descriptor?: unknown): Promise<object>;
}

let installed: Promise<boolean> | null = null;

/** Puts Dawn's WebGPU on `navigator.gpu` (once). Resolves false if the `webgpu` package cannot load. */
export function installNodeWebGpu(): Promise<boolean> {
  installed ??= install();
  return installed;
}

async function install(): Promise<boolean> {
  let dawn: DawnModule;
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch {
    return false;
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (options) => {
    const adapter = await requestAdapter(options);
    if (!adapter) return adapter;
    const requestDevice = adapter.requestDevice.bind(adapter);
    adapter.requestDevice = async (descriptor) => {
      const device = await requestDevice(descriptor);
      Object.defineProperty(device, 'onuncapturederror', { configurable: true, set() {}, get: () => null });
      return device;
    };
    return adapter;
  };
  const global = globalThis as { navigator?: { gpu?: unknown } };
  // Node 20 has no navigator; Node 21+ has one whose userAgent is "Node.js/<major>" (jax-js reads it).
  if (global.navigator === undefined) {
    const major = globalThis.process?.versions?.node?.split('.')[0] ?? '20';
    Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${major}` }, configurable: true });
  }
  Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
  return true;
}
