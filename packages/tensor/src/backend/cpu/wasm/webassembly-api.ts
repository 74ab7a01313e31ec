/**
 * The part of the WebAssembly JavaScript API the kernel uses, typed here because TypeScript's
 * ES2022 library (this project's, without the DOM) does not declare it. Undefined where a
 * runtime has no WebAssembly.
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

export type WasmModule = object;

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
}

export const WASM: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
