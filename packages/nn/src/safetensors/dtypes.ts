import type * as T from '@lorafa/tensor';

/** safetensors element types this project reads and writes, with their sizes in bytes. */
export const SAFETENSORS_DTYPES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 } as const;
/** A safetensors dtype name this project supports: F64, F32, F16, BF16, I64 or I32. */
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/** Whether value is a supported safetensors dtype name. */
export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPES, value);
}

/** The tensor dtype a stored dtype is read into (half precisions widen to float32). */
export function tensorDTypeFor(dtype: SafetensorsDType): T.DType {
  switch (dtype) {
    case 'F64':
      return 'float64';
    case 'F32':
    case 'F16':
    case 'BF16':
      return 'float32';
    case 'I64':
    case 'I32':
      return 'int32';
  }
}

/** The stored dtype a tensor is written as by default. */
export function defaultStoredDType(dtype: T.DType): SafetensorsDType {
  switch (dtype) {
    case 'float64':
      return 'F64';
    case 'float32':
      return 'F32';
    case 'int32':
      return 'I32';
    case 'bool':
      throw new Error('safetensors: bool tensors are not supported; cast to int32 first');
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half → number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // subnormal
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** number → IEEE half, rounding to nearest even (via float32, as PyTorch's .half() does). */
export function numberToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to infinity
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    if (rest > midpoint || (rest === midpoint && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry may round up to infinity: correct
  return sign | half;
}

/** bfloat16 → number: the upper 16 bits of a float32. */
export function bfloat16ToNumber(b: number): number {
  u32[0] = b << 16;
  return f32[0]!;
}

/** number → bfloat16, rounding the float32 to nearest even; NaN stays NaN. */
export function numberToBfloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}
