/**
 * Confluent wire format: magic byte 0, the writer schema's registry id as a 4-byte big-endian
 * integer, then the Avro binary body. Shared by every registry so bytes are interchangeable.
 */
import { ContractError } from './errors.js';

export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export interface Frame {
  schemaId: number;
  /** A view into the input buffer, not a copy. */
  payload: Buffer;
}

export function frame(schemaId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  payload.copy(out, HEADER_LENGTH);
  return out;
}

export function unframe(bytes: Buffer): Frame {
  if (bytes.length < HEADER_LENGTH) {
    throw new ContractError(
      'WEIR_SERDE_MALFORMED',
      `message of ${bytes.length} bytes is shorter than the ${HEADER_LENGTH}-byte Confluent header`,
    );
  }
  if (bytes[0] !== MAGIC_BYTE) {
    throw new ContractError(
      'WEIR_SERDE_UNKNOWN_MAGIC_BYTE',
      `unknown magic byte ${bytes[0]} (expected ${MAGIC_BYTE}): not Confluent-framed Avro`,
    );
  }
  return { schemaId: bytes.readUInt32BE(1), payload: bytes.subarray(HEADER_LENGTH) };
}
