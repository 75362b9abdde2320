package weir.peers;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** A customer's 1-minute window over closed sessions; also the closed-session record it is built from. */
final class Window {
  long sessions;
  long events;
  double durationSum;
  long maxEvents;
  long errors;
  long assets;
  long noReferrer;
  double pathsSum;

  /** One closed session, as a window of one. */
  static Window of(Session s) {
    Window w = new Window();
    w.sessions = 1;
    w.events = s.events;
    w.durationSum = (s.last - s.first) / 1000.0;
    w.maxEvents = s.events;
    w.errors = s.errors;
    w.assets = s.assets;
    w.noReferrer = s.noReferrer;
    w.pathsSum = s.distinctPaths();
    return w;
  }

  Window add(Window o) {
    Window w = new Window();
    w.sessions = sessions + o.sessions;
    w.events = events + o.events;
    w.durationSum = durationSum + o.durationSum;
    w.maxEvents = Math.max(maxEvents, o.maxEvents);
    w.errors = errors + o.errors;
    w.assets = assets + o.assets;
    w.noReferrer = noReferrer + o.noReferrer;
    w.pathsSum = pathsSum + o.pathsSum;
    return w;
  }

  String json(String customer, long windowStart) {
    return "{\"customer\":\"" + customer + "\",\"windowStart\":" + windowStart + ",\"sessions\":" + sessions + ",\"events\":" + events
        + ",\"mean_duration_s\":" + (durationSum / sessions) + ",\"max_events\":" + maxEvents + ",\"errors\":" + errors + ",\"assets\":" + assets
        + ",\"no_referrer\":" + noReferrer + ",\"mean_paths\":" + (pathsSum / sessions) + "}";
  }

  static Serde<Window> serde() {
    Serializer<Window> ser = (topic, w) -> {
      if (w == null) return null;
      return ByteBuffer.allocate(8 * 8).putLong(w.sessions).putLong(w.events).putDouble(w.durationSum).putLong(w.maxEvents).putLong(w.errors)
          .putLong(w.assets).putLong(w.noReferrer).putDouble(w.pathsSum).array();
    };
    Deserializer<Window> de = (topic, data) -> {
      if (data == null) return null;
      ByteBuffer b = ByteBuffer.wrap(data);
      Window w = new Window();
      w.sessions = b.getLong();
      w.events = b.getLong();
      w.durationSum = b.getDouble();
      w.maxEvents = b.getLong();
      w.errors = b.getLong();
      w.assets = b.getLong();
      w.noReferrer = b.getLong();
      w.pathsSum = b.getDouble();
      return w;
    };
    return Serdes.serdeFrom(ser, de);
  }
}
