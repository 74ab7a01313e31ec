import type * as T from '@lorafa/tensor';
import type { SafetensorsDType } from './dtypes.js';
import { defaultStoredDType, numberToBfloat16, numberToHalf, SAFETENSORS_DTYPES } from './dtypes.js';

/** A tensor to write, optionally stored in another dtype (F16/BF16 round to nearest even). */
export type TensorToWrite = T.Tensor | { tensor: T.Tensor; dtype: SafetensorsDType };

/**
 * Serialises tensors (sorted by name, as the reference writer does) with string metadata.
 * The JSON header is padded with spaces to a multiple of 8 bytes.
 */
export function serializeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = Object.create(null); // a key like __proto__ stays a key
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const item = tensors[name]!;
    const tensor = 'tensor' in item ? item.tensor : item;
    const dtype = 'tensor' in item ? item.dtype : defaultStoredDType(tensor.dtype);
    const blob = encode(tensor.dataSync(), dtype);
    header[name] = { dtype, shape: [...tensor.shape], data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - (json.length % 8)) % 8;
  if (padding) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padding));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let position = 8 + json.length;
  for (const blob of blobs) {
    out.set(blob, position);
    position += blob.length;
  }
  return out;
}

function encode(values: ArrayLike<number>, dtype: SafetensorsDType): Uint8Array {
  const size = SAFETENSORS_DTYPES[dtype];
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    switch (dtype) {
      case 'F64':
        view.setFloat64(i * 8, v, true);
        break;
      case 'F32':
        view.setFloat32(i * 4, v, true);
        break;
      case 'F16':
        view.setUint16(i * 2, numberToHalf(v), true);
        break;
      case 'BF16':
        view.setUint16(i * 2, numberToBfloat16(v), true);
        break;
      case 'I32':
        view.setInt32(i * 4, v, true);
        break;
      case 'I64':
        view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        break;
    }
  }
  return out;
}
