package weir.peers;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** The ten aggregates of one session, mergeable (session windows merge when a late event bridges two). */
final class Session {
  long events;
  long first = Long.MAX_VALUE;
  long last = Long.MIN_VALUE;
  long bytes;
  long maxBytes;
  int errors;
  int nonGet;
  int assets;
  int noReferrer;
  /** Distinct paths, approximately: a 64-bit linear-counting bitmap (Spark uses HyperLogLog++). */
  long pathBits;

  Session add(Line line) {
    events++;
    first = Math.min(first, line.time);
    last = Math.max(last, line.time);
    bytes += line.bytes;
    maxBytes = Math.max(maxBytes, line.bytes);
    if (line.status >= 400) errors++;
    if (!line.method.equals("GET")) nonGet++;
    if (line.isAsset()) assets++;
    if (line.noReferrer) noReferrer++;
    pathBits |= 1L << (line.path.hashCode() & 63);
    return this;
  }

  Session merge(Session other) {
    Session s = new Session();
    s.events = events + other.events;
    s.first = Math.min(first, other.first);
    s.last = Math.max(last, other.last);
    s.bytes = bytes + other.bytes;
    s.maxBytes = Math.max(maxBytes, other.maxBytes);
    s.errors = errors + other.errors;
    s.nonGet = nonGet + other.nonGet;
    s.assets = assets + other.assets;
    s.noReferrer = noReferrer + other.noReferrer;
    s.pathBits = pathBits | other.pathBits;
    return s;
  }

  double distinctPaths() {
    int zeros = 64 - Long.bitCount(pathBits);
    return zeros == 0 ? 64 : -64 * Math.log(zeros / 64.0);
  }

  static final int BYTES = 8 * 6 + 4 * 4;

  static Serde<Session> serde() {
    Serializer<Session> ser = (topic, s) -> {
      if (s == null) return null;
      return ByteBuffer.allocate(BYTES).putLong(s.events).putLong(s.first).putLong(s.last).putLong(s.bytes).putLong(s.maxBytes)
          .putLong(s.pathBits).putInt(s.errors).putInt(s.nonGet).putInt(s.assets).putInt(s.noReferrer).array();
    };
    Deserializer<Session> de = (topic, data) -> {
      if (data == null) return null;
      ByteBuffer b = ByteBuffer.wrap(data);
      Session s = new Session();
      s.events = b.getLong();
      s.first = b.getLong();
      s.last = b.getLong();
      s.bytes = b.getLong();
      s.maxBytes = b.getLong();
      s.pathBits = b.getLong();
      s.errors = b.getInt();
      s.nonGet = b.getInt();
      s.assets = b.getInt();
      s.noReferrer = b.getInt();
      return s;
    };
    return Serdes.serdeFrom(ser, de);
  }
}
