import * as T from '@lorafa/tensor';
import type { TensorEntry } from './header.js';
import { SafetensorsError } from './header.js';
import { bfloat16ToNumber, halfToNumber, tensorDTypeFor } from './dtypes.js';

/**
 * Decodes one tensor from its own bytes (`end - begin` of them; little-endian, as the format
 * specifies) into a fresh array.
 */
export function decodeTensor(entry: TensorEntry, bytes: Uint8Array, source: string): T.Tensor {
  if (bytes.length !== entry.end - entry.begin)
    throw new SafetensorsError(
      source,
      `tensor '${entry.name}': got ${bytes.length} bytes, expected ${entry.end - entry.begin}`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const count = entry.shape.reduce((n, d) => n * d, 1);
  const dtype = tensorDTypeFor(entry.dtype);
  const values =
    dtype === 'float64'
      ? new Float64Array(count)
      : dtype === 'float32'
        ? new Float32Array(count)
        : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    switch (entry.dtype) {
      case 'F64':
        values[i] = view.getFloat64(i * 8, true);
        break;
      case 'F32':
        values[i] = view.getFloat32(i * 4, true);
        break;
      case 'F16':
        values[i] = halfToNumber(view.getUint16(i * 2, true));
        break;
      case 'BF16':
        values[i] = bfloat16ToNumber(view.getUint16(i * 2, true));
        break;
      case 'I32':
        values[i] = view.getInt32(i * 4, true);
        break;
      case 'I64': {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new SafetensorsError(
            source,
            `tensor '${entry.name}': I64 value ${v} at index ${i} does not fit the int32 tensors this library uses`,
          );
        }
        values[i] = Number(v);
        break;
      }
    }
  }
  return T.fromFlat(values, entry.shape, { dtype });
}
