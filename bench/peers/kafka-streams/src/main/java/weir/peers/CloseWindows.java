package weir.peers;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The per-customer 1-minute windows over closed sessions. A window is final once every input
 * partition's task has reported progress past its end: each task closes sessions by its own stream
 * time, so on a backlog one runs far ahead of another, and a window closed by this task's stream
 * time (a TimeWindows aggregation) would drop the slower tasks' sessions as expired.
 */
final class CloseWindows implements Processor<String, Closed, String, String> {
  static final String WINDOWS = "customer-windows";
  static final String PROGRESS = "source-progress";
  static final long WINDOW_MS = 60_000;

  private final int sources;
  private ProcessorContext<String, String> context;
  private KeyValueStore<String, Aggregate> windows;
  private KeyValueStore<Integer, Long> progress;

  CloseWindows(int sources) {
    this.sources = sources;
  }

  static List<StoreBuilder<?>> stores() {
    return List.of(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINDOWS), Serdes.String(), Aggregate.serde(Window.LAYOUT)),
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PROGRESS), Serdes.Integer(), Serdes.Long()));
  }

  @Override
  public void init(ProcessorContext<String, String> context) {
    this.context = context;
    this.windows = context.getStateStore(WINDOWS);
    this.progress = context.getStateStore(PROGRESS);
  }

  @Override
  public void process(Record<String, Closed> record) {
    Closed closed = record.value();
    if (!closed.isProgress()) {
      long start = Math.floorDiv(record.timestamp(), WINDOW_MS) * WINDOW_MS;
      // Fixed-width start: the store iterates a customer's windows in time order.
      String id = record.key() + "|" + String.format("%015d", start);
      Aggregate window = windows.get(id);
      windows.put(id, window == null ? closed.session : window.add(closed.session));
      return;
    }
    Long before = progress.get(closed.source);
    if (before != null && before >= closed.watermark) return;
    progress.put(closed.source, closed.watermark);
    long done = Long.MAX_VALUE;
    for (int source = 0; source < sources; source++) {
      Long at = progress.get(source);
      if (at == null) return;
      done = Math.min(done, at);
    }
    List<String> closing = new ArrayList<>();
    try (KeyValueIterator<String, Aggregate> all = windows.all()) {
      while (all.hasNext()) {
        KeyValue<String, Aggregate> entry = all.next();
        int bar = entry.key.lastIndexOf('|');
        long start = Long.parseLong(entry.key.substring(bar + 1));
        if (start + WINDOW_MS - 1 > done) continue;
        String customer = entry.key.substring(0, bar);
        context.forward(new Record<>(customer, Window.json(customer, start, entry.value), start + WINDOW_MS - 1));
        closing.add(entry.key);
      }
    }
    for (String id : closing) windows.delete(id);
  }
}
