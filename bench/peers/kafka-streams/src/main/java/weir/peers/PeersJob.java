package weir.peers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.StoreBuilder;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.kstream.Windowed;

/**
 * The peer job of `pnpm bench peers` in Kafka Streams: log lines keyed `<customer>|<ip>|<ua>`,
 * sessions by event time (30 min gap, 60 s grace) with ten aggregates, closed sessions
 * (suppress until the session window closes) re-keyed by customer and stamped with the session
 * window's time (last event + gap, as Spark's window_time), a 1-minute window per customer closed
 * once every input partition's task has passed its end (CloseWindows: Kafka Streams' stream time
 * is per task, so a TimeWindows aggregation after the repartition would close windows by the
 * fastest task's time), closed windows written to the output topic as JSON, every aggregate by name.
 *
 * usage: PeersJob <bootstrap> <input> <output> <application id> <state dir> <threads>
 * Prints `weir-peer ready` once the instance is RUNNING.
 */
public final class PeersJob {
  static final Duration GAP = Duration.ofMinutes(30);
  static final Duration LATENESS = Duration.ofSeconds(60);
  /**
   * Kafka Streams merges a line into a session when it comes at most the gap after the last one,
   * inclusive; Spark's session_window and weir cut a session at the gap. One tick less makes the
   * rule the same on timestamps of whole milliseconds.
   */
  static final Duration SESSION_GAP = GAP.minusMillis(1);

  /** Event time from the log line itself; lines without one keep the record's timestamp (and fail to parse later). */
  static final class LineTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      long t = record.value() instanceof String s ? Line.eventTime(s) : -1;
      return t >= 0 ? t : record.timestamp();
    }
  }

  /** Closed session → (customer, window of one), stamped with the session window's time. */
  static final class CloseSession implements Processor<Windowed<String>, Session, String, Closed> {
    private ProcessorContext<String, Closed> context;

    @Override
    public void init(ProcessorContext<String, Closed> context) {
      this.context = context;
    }

    @Override
    public void process(Record<Windowed<String>, Session> record) {
      if (record.value() == null) return;
      String key = record.key().key();
      String customer = key.substring(0, Math.max(0, key.indexOf('|')));
      long closedAt = record.key().window().end() + SESSION_GAP.toMillis();
      context.forward(new Record<>(customer, Closed.session(context.taskId().partition(), record.value().asWindow()), closedAt));
    }
  }

  /**
   * The task's progress, after its closed sessions: the suppression has let out every session whose
   * session-window time is at most stream time − lateness, so none this task closes later is that
   * early. Sent to every partition of the repartition topic each time it passes a minute's end.
   */
  static final class Progress implements Processor<String, Line, String, Closed> {
    private ProcessorContext<String, Closed> context;
    private long streamTime = Long.MIN_VALUE;
    private long reportedMinute = Long.MIN_VALUE;

    @Override
    public void init(ProcessorContext<String, Closed> context) {
      this.context = context;
    }

    @Override
    public void process(Record<String, Line> record) {
      streamTime = Math.max(streamTime, record.timestamp());
      long watermark = streamTime - LATENESS.toMillis();
      long minute = Math.floorDiv(watermark + 1, CloseWindows.WINDOW_MS);
      if (minute <= reportedMinute) return;
      reportedMinute = minute;
      context.forward(new Record<>("", Closed.progress(context.taskId().partition(), watermark), watermark));
    }
  }

  /** A closed session to its customer's partition, a task's progress to every partition. */
  static final class ByCustomerOrAll implements StreamPartitioner<String, Closed> {
    @Override
    public Integer partition(String topic, String key, Closed value, int partitions) {
      return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Closed value, int partitions) {
      if (!value.isProgress()) return Optional.of(Set.of(partition(topic, key, value, partitions)));
      return Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()));
    }
  }

  static int partitionsOf(String bootstrap, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    }
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], input = args[1], output = args[2], appId = args[3], stateDir = args[4], threads = args[5];
    int sources = partitionsOf(bootstrap, input);
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, Line> lines = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(new LineTime()))
        .mapValues(Line::parse)
        .filter((k, line) -> line != null && k != null);
    // The sessions first, then the progress: a task's progress record follows the sessions it covers.
    KStream<String, Closed> sessions = lines
        .groupByKey(Grouped.with(Serdes.String(), null))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(SESSION_GAP, LATENESS))
        .aggregate(Session::new, (k, line, s) -> s.add(line), (k, a, b) -> a.merge(b),
            // Uncached: the suppression must see each update as the line is processed, or the progress would run ahead of it.
            Materialized.<String, Session, SessionStore<Bytes, byte[]>>with(Serdes.String(), Session.serde()).withCachingDisabled())
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .process(CloseSession::new);
    KStream<String, Closed> progress = lines.process(Progress::new);
    for (StoreBuilder<?> store : CloseWindows.stores()) builder.addStateStore(store);
    sessions.merge(progress)
        .repartition(Repartitioned.with(Serdes.String(), Closed.serde()).withStreamPartitioner(new ByCustomerOrAll()).withName("closed"))
        .process(() -> new CloseWindows(sources), CloseWindows.WINDOWS, CloseWindows.PROGRESS)
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
