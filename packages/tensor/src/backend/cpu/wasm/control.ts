import type { Bytes } from './encoding.js';
import { Op, name, unsigned } from './encoding.js';

/**
 * The few pieces of structured code and module layout that the generated modules (the matmul's,
 * gemm-module.ts, and GELU's, fused/gelu-wasm-module.ts) share.
 */

/** `while (local < limit) body` over two i32 locals (unsigned compare), as block/loop/br_if. */
export function whileBelow(local: number, limit: number, body: Bytes): Bytes {
  return [
    ...Op.block,
    ...Op.loop,
    ...Op.localGet(local),
    ...Op.localGet(limit),
    ...Op.i32LtU,
    ...Op.i32Eqz,
    ...Op.brIf(1),
    ...body,
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ];
}

/** Adds `amount` (a constant, or code that leaves an i32) to an i32 local. */
export function advance(local: number, amount: number | Bytes): Bytes {
  const value = typeof amount === 'number' ? Op.i32Const(amount) : amount;
  return [...Op.localGet(local), ...value, ...Op.i32Add, ...Op.localSet(local)];
}

/** `for (local = 0; local < limit; local++) body`. */
export function countedLoop(local: number, limit: number, body: Bytes): Bytes {
  return [...Op.i32Const(0), ...Op.localSet(local), ...whileBelow(local, limit, [...body, ...advance(local, 1)])];
}

/** A function's code as the code section holds it: its size in bytes, then the code. */
export const functionBody = (code: Bytes): Bytes => [...unsigned(code.length), ...code];

/** The import of `env.memory`: `initial` to `maximum` pages of 64 KiB, shared (for threads) or not. */
export function memoryImport(initial: number, maximum: number, shared: boolean): Bytes {
  const [WITH_MAXIMUM, SHARED_WITH_MAXIMUM] = [0x01, 0x03];
  return [
    ...name('env'),
    ...name('memory'),
    0x02, // a memory
    shared ? SHARED_WITH_MAXIMUM : WITH_MAXIMUM,
    ...unsigned(initial),
    ...unsigned(maximum),
  ];
}
