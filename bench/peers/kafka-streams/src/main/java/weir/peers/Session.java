package weir.peers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A session's ten aggregates: nine counters and the distinct paths it requested (kept exactly: a
 * session holds a few dozen at most, and the bench compares every aggregate exactly).
 */
final class Session {
  static final Aggregate.Layout LAYOUT = new Aggregate.Layout(
      "events:sum", "first:min", "last:max", "bytes:sum", "maxBytes:max", "errors:sum", "nonGet:sum", "assets:sum", "noReferrer:sum");

  final Aggregate counts;
  final Set<String> paths;

  Session() {
    this(new Aggregate(LAYOUT), new HashSet<>());
  }

  private Session(Aggregate counts, Set<String> paths) {
    this.counts = counts;
    this.paths = paths;
  }

  Session add(Line line) {
    counts.add(new Aggregate(LAYOUT, 1, line.time, line.time, line.bytes, line.bytes, line.status >= 400 ? 1 : 0,
        line.method.equals("GET") ? 0 : 1, line.isAsset() ? 1 : 0, line.noReferrer ? 1 : 0));
    paths.add(line.path);
    return this;
  }

  Session merge(Session other) {
    Set<String> both = new HashSet<>(paths);
    both.addAll(other.paths);
    return new Session(counts.merged(other.counts), both);
  }

  /** The session as a window's aggregate of one session. */
  Aggregate asWindow() {
    long events = counts.get("events");
    return new Aggregate(Window.LAYOUT, 1, events, (counts.get("last") - counts.get("first")) / 1000, events, counts.get("bytes"),
        counts.get("maxBytes"), counts.get("errors"), counts.get("nonGet"), counts.get("assets"), counts.get("noReferrer"), paths.size());
  }

  static Serde<Session> serde() {
    Serializer<Session> ser = (topic, s) -> {
      if (s == null) return null;
      byte[][] encoded = s.paths.stream().map((p) -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
      int size = s.counts.size() + Integer.BYTES;
      for (byte[] p : encoded) size += Integer.BYTES + p.length;
      ByteBuffer buffer = ByteBuffer.allocate(size);
      s.counts.writeTo(buffer);
      buffer.putInt(encoded.length);
      for (byte[] p : encoded) buffer.putInt(p.length).put(p);
      return buffer.array();
    };
    Deserializer<Session> de = (topic, data) -> {
      if (data == null) return null;
      ByteBuffer buffer = ByteBuffer.wrap(data);
      Aggregate counts = Aggregate.readFrom(LAYOUT, buffer);
      int n = buffer.getInt();
      Set<String> paths = new HashSet<>(n * 2);
      for (int i = 0; i < n; i++) {
        byte[] p = new byte[buffer.getInt()];
        buffer.get(p);
        paths.add(new String(p, StandardCharsets.UTF_8));
      }
      return new Session(counts, paths);
    };
    return Serdes.serdeFrom(ser, de);
  }
}
