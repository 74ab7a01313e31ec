import { WASM } from '../wasm/webassembly-api.js';
import { CHUNK, GELU_EXPORTS, PAGES, REGIONS, STEP_ELEMENTS, geluModuleBytes } from './gelu-wasm-module.js';

/**
 * Runs the float32 tanh-GELU on the f64x2 kernels of gelu-wasm-module.ts, bit-identical to the
 * JavaScript loops of gelu.ts. The module has its own small, unshared memory (three regions of
 * CHUNK elements, which stay in the L2 cache); a tensor goes through it CHUNK elements at a
 * time: copy x (and g) in, run, copy the result out — each copy a TypedArray.set, a memcpy.
 * Single-threaded, like the loops. Compiled on first use; where WebAssembly or its SIMD is
 * missing the functions return false and the caller runs the loop instead. The module is 3.3 KB,
 * under the 4 KB up to which browsers have allowed synchronous compiles on the main thread.
 */
interface GeluWasm {
  forward: (steps: number) => void;
  backward: (steps: number) => void;
  x: Float32Array;
  g: Float32Array;
  out: Float32Array;
}

let compiled: GeluWasm | null | undefined;

function compile(): GeluWasm | null {
  const bytes = geluModuleBytes();
  if (!WASM?.validate(bytes)) return null; // no WebAssembly, or no SIMD
  const memory = new WASM.Memory({ initial: PAGES, maximum: PAGES, shared: false });
  const { exports } = new WASM.Instance(new WASM.Module(bytes), { env: { memory } });
  const region = (at: number) => new Float32Array(memory.buffer, at, CHUNK);
  return {
    forward: exports[GELU_EXPORTS.forward] as (steps: number) => void,
    backward: exports[GELU_EXPORTS.backward] as (steps: number) => void,
    x: region(REGIONS.x),
    g: region(REGIONS.g),
    out: region(REGIONS.out),
  };
}

function kernels(): GeluWasm | null {
  if (compiled === undefined) compiled = compile();
  return compiled;
}

/** Whether the Wasm kernels run here (WebAssembly with SIMD). */
export function geluWasmAvailable(): boolean {
  return kernels() !== null;
}

/** out[i] = gelu_tanh(x[xStart + i]) for every i of out, as geluTanhFloat32 does; false if unavailable. */
export function geluTanhFloat32Wasm(x: Float32Array, xStart: number, out: Float32Array): boolean {
  const wasm = kernels();
  if (!wasm) return false;
  for (let from = 0; from < out.length; from += CHUNK) {
    const count = Math.min(CHUNK, out.length - from);
    wasm.x.set(x.subarray(xStart + from, xStart + from + count));
    wasm.forward(Math.ceil(count / STEP_ELEMENTS));
    out.set(wasm.out.subarray(0, count), from);
  }
  return true;
}

/** out[i] = g[gStart + i]·gelu_tanh′(x[xStart + i]), as geluTanhFloat32Backward does; false if unavailable. */
export function geluTanhFloat32BackwardWasm(
  x: Float32Array,
  xStart: number,
  g: Float32Array,
  gStart: number,
  out: Float32Array,
): boolean {
  const wasm = kernels();
  if (!wasm) return false;
  for (let from = 0; from < out.length; from += CHUNK) {
    const count = Math.min(CHUNK, out.length - from);
    wasm.x.set(x.subarray(xStart + from, xStart + from + count));
    wasm.g.set(g.subarray(gStart + from, gStart + from + count));
    wasm.backward(Math.ceil(count / STEP_ELEMENTS));
    out.set(wasm.out.subarray(0, count), from);
  }
  return true;
}
