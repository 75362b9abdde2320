package weir.peers;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A record of the repartition topic between the sessions and the per-customer windows: a closed
 * session (as a window's aggregate of one, stamped with its session-window time), or the progress of
 * one input partition's task: every session it will still close has a later session-window time
 * than `watermark`.
 */
final class Closed {
  /** The input partition whose task sent it. */
  final int source;
  final long watermark;
  /** Null on a progress record. */
  final Aggregate session;

  private Closed(int source, long watermark, Aggregate session) {
    this.source = source;
    this.watermark = watermark;
    this.session = session;
  }

  static Closed session(int source, Aggregate session) {
    return new Closed(source, -1, session);
  }

  static Closed progress(int source, long watermark) {
    return new Closed(source, watermark, null);
  }

  boolean isProgress() {
    return session == null;
  }

  static Serde<Closed> serde() {
    Serializer<Closed> ser = (topic, c) -> {
      if (c == null) return null;
      ByteBuffer buffer = ByteBuffer.allocate(1 + Integer.BYTES + Long.BYTES + (c.isProgress() ? 0 : c.session.size()));
      buffer.put((byte) (c.isProgress() ? 1 : 0)).putInt(c.source).putLong(c.watermark);
      if (!c.isProgress()) c.session.writeTo(buffer);
      return buffer.array();
    };
    Deserializer<Closed> de = (topic, data) -> {
      if (data == null) return null;
      ByteBuffer buffer = ByteBuffer.wrap(data);
      boolean progress = buffer.get() == 1;
      int source = buffer.getInt();
      long watermark = buffer.getLong();
      return new Closed(source, watermark, progress ? null : Aggregate.readFrom(Window.LAYOUT, buffer));
    };
    return Serdes.serdeFrom(ser, de);
  }
}
