/**
 * Writes Confluent-framed Avro records (wire-format.ts) straight into a shared slab: one write per
 * record instead of avsc's `toBuffer` (a zero-filled buffer and a copy) followed by `frame` (a
 * second buffer and a second copy). Each record is a view of the slab; a full slab is left to
 * the records that view it and a new one is started.
 */
import { directWriterOf, NOT_HANDLED, type AvroType, type DirectWriter } from './avro.js';
import { HEADER_LENGTH, MAGIC_BYTE } from './wire-format.js';

/** Big enough that a slab holds hundreds of log events; small enough that one kept record pins little. */
const SLAB_BYTES = 64 * 1024;

export class FramedWriter {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;
  /** The last type written and its direct writer (one type, nearly always): no lookup per record. */
  private lastType: AvroType | undefined;
  private lastDirect: DirectWriter | undefined;

  /** `value` framed with `schemaId`; throws as avsc does when the value does not match `type`. */
  write(schemaId: number, type: AvroType, value: unknown): Buffer {
    if (type !== this.lastType) {
      this.lastType = type;
      this.lastDirect = directWriterOf(type);
    }
    const direct = this.lastDirect;
    if (direct !== undefined && this.slab.length - this.used > HEADER_LENGTH) {
      const start = this.used;
      const end = direct(this.slab, start + HEADER_LENGTH, value);
      if (end !== NOT_HANDLED) return this.framed(start, end, schemaId);
    }
    for (;;) {
      const start = this.used;
      const end = this.slab.length - start > HEADER_LENGTH ? type.encode(value, this.slab, start + HEADER_LENGTH) : -1;
      if (end > 0) return this.framed(start, end, schemaId);
      // avsc returns minus the bytes missing: a fresh slab, larger when the record alone is.
      const missing = end < 0 ? -end : 0;
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, HEADER_LENGTH + (this.slab.length - start) + missing + 64));
      this.used = 0;
    }
  }

  /** The record written at [start + HEADER_LENGTH, end), with its header. */
  private framed(start: number, end: number, schemaId: number): Buffer {
    this.slab[start] = MAGIC_BYTE;
    this.slab.writeUInt32BE(schemaId, start + 1);
    this.used = end;
    return this.slab.subarray(start, end);
  }
}
