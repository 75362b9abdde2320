/**
 * Message keys as bytes, written into a shared slab. Every bus turns a string key into bytes
 * with `Buffer.from`, which for a session key (an address and a user agent, often over 100
 * bytes) starts a new 8 KB pool every few dozen keys: 7 % of ingest's profile. Each key here is
 * a view of a 64 KB slab; a full slab is left to the keys that view it and a new one is started
 * (as FramedWriter does for values).
 */

/** Hundreds of keys a slab; one kept key pins little. */
const SLAB_BYTES = 64 * 1024;

export class KeyBytes {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;

  /** `key` as UTF-8. */
  of(key: string): Buffer {
    // A UTF-16 unit takes at most 3 bytes of UTF-8: with room for that, the key is written whole.
    const most = key.length * 3;
    if (this.slab.length - this.used < most) {
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, most));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.slab.write(key, start);
    return this.slab.subarray(start, this.used);
  }
}
