package weir.peers;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Named long aggregates, each combined by sum, min or max: a session's over its lines and a
 * window's over its sessions are both one of these, with a layout of their own.
 */
final class Aggregate {
  enum Op { SUM, MIN, MAX }

  /** The fields of one kind of aggregate, in order: `name:op` each. */
  static final class Layout {
    final String[] names;
    final Op[] ops;

    Layout(String... fields) {
      names = new String[fields.length];
      ops = new Op[fields.length];
      for (int i = 0; i < fields.length; i++) {
        String[] parts = fields[i].split(":");
        names[i] = parts[0];
        ops[i] = Op.valueOf(parts[1].toUpperCase());
      }
    }

    int index(String name) {
      int i = Arrays.asList(names).indexOf(name);
      if (i < 0) throw new IllegalArgumentException("no aggregate " + name);
      return i;
    }

    /** The value that combines with any other into that other. */
    long[] identity() {
      long[] values = new long[ops.length];
      for (int i = 0; i < ops.length; i++) values[i] = ops[i] == Op.MIN ? Long.MAX_VALUE : ops[i] == Op.MAX ? Long.MIN_VALUE : 0;
      return values;
    }
  }

  final Layout layout;
  final long[] values;

  Aggregate(Layout layout) {
    this(layout, layout.identity());
  }

  /** One item (a line, a session) as an aggregate of it alone: its values in the layout's order. */
  Aggregate(Layout layout, long... values) {
    if (values.length != layout.ops.length) throw new IllegalArgumentException(values.length + " values for " + layout.ops.length + " aggregates");
    this.layout = layout;
    this.values = values;
  }

  long get(String name) {
    return values[layout.index(name)];
  }

  /** This combined with `other`, in place (Kafka Streams' aggregators may update their aggregate). */
  Aggregate add(Aggregate other) {
    for (int i = 0; i < values.length; i++) {
      long a = values[i], b = other.values[i];
      values[i] = switch (layout.ops[i]) {
        case SUM -> a + b;
        case MIN -> Math.min(a, b);
        case MAX -> Math.max(a, b);
      };
    }
    return this;
  }

  /** A new aggregate of both, neither changed (session windows merge two stored sessions). */
  Aggregate merged(Aggregate other) {
    return new Aggregate(layout, values.clone()).add(other);
  }

  /** `"name":value` for every field, comma-separated, to go inside a JSON object. */
  String jsonFields() {
    StringBuilder json = new StringBuilder();
    for (int i = 0; i < values.length; i++) json.append(i == 0 ? "" : ",").append('"').append(layout.names[i]).append("\":").append(values[i]);
    return json.toString();
  }

  int size() {
    return Long.BYTES * values.length;
  }

  void writeTo(ByteBuffer buffer) {
    for (long v : values) buffer.putLong(v);
  }

  static Aggregate readFrom(Layout layout, ByteBuffer buffer) {
    long[] values = new long[layout.ops.length];
    for (int i = 0; i < values.length; i++) values[i] = buffer.getLong();
    return new Aggregate(layout, values);
  }

  static Serde<Aggregate> serde(Layout layout) {
    Serializer<Aggregate> ser = (topic, a) -> {
      if (a == null) return null;
      ByteBuffer buffer = ByteBuffer.allocate(a.size());
      a.writeTo(buffer);
      return buffer.array();
    };
    Deserializer<Aggregate> de = (topic, data) -> data == null ? null : readFrom(layout, ByteBuffer.wrap(data));
    return Serdes.serdeFrom(ser, de);
  }
}
