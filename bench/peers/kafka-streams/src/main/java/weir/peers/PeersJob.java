package weir.peers;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.kstream.Windowed;

/**
 * The peer job of `pnpm bench peers` in Kafka Streams: log lines keyed `<customer>|<ip>|<ua>`,
 * sessions by event time (30 min gap, 60 s grace) with ten aggregates, closed sessions
 * (suppress until the session window closes) re-keyed by customer and stamped with the session
 * window's time (last event + gap, as Spark's window_time), a 1-minute tumbling window per customer
 * (60 s grace), closed windows written to the output topic as JSON.
 *
 * usage: PeersJob <bootstrap> <input> <output> <application id> <state dir> <threads>
 * Prints `weir-peer ready` once the instance is RUNNING.
 */
public final class PeersJob {
  static final Duration GAP = Duration.ofMinutes(30);
  static final Duration LATENESS = Duration.ofSeconds(60);

  /** Event time from the log line itself; lines without one keep the record's timestamp (and fail to parse later). */
  static final class LineTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      long t = record.value() instanceof String s ? Line.eventTime(s) : -1;
      return t >= 0 ? t : record.timestamp();
    }
  }

  /** Closed session → (customer, window of one), stamped with the session window's time. */
  static final class CloseSession implements Processor<Windowed<String>, Session, String, Window> {
    private ProcessorContext<String, Window> context;

    @Override
    public void init(ProcessorContext<String, Window> context) {
      this.context = context;
    }

    @Override
    public void process(Record<Windowed<String>, Session> record) {
      if (record.value() == null) return;
      String key = record.key().key();
      String customer = key.substring(0, Math.max(0, key.indexOf('|')));
      long closedAt = record.key().window().end() + GAP.toMillis() - 1;
      context.forward(new Record<>(customer, Window.of(record.value()), closedAt));
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String bootstrap = args[0], input = args[1], output = args[2], appId = args[3], stateDir = args[4], threads = args[5];
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(new LineTime()))
        .mapValues(Line::parse)
        .filter((k, line) -> line != null && k != null)
        .groupByKey(Grouped.with(Serdes.String(), null))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(GAP, LATENESS))
        .aggregate(Session::new, (k, line, s) -> s.add((Line) line), (k, a, b) -> a.merge(b),
            Materialized.with(Serdes.String(), Session.serde()))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .process(CloseSession::new)
        .groupByKey(Grouped.with(Serdes.String(), Window.serde()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), LATENESS))
        .reduce(Window::add, Materialized.with(Serdes.String(), Window.serde()))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .map((w, win) -> KeyValue.pair(w.key(), win.json(w.key(), w.window().start())))
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(threads));
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    // Results leave the caches at each commit: 1 s, not the default 30 s, so latency is not the commit interval.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING && before == KafkaStreams.State.REBALANCING) System.out.println("weir-peer ready");
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(10));
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }
}
