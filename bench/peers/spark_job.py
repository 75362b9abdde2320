"""
The peer job of `pnpm bench peers` in Spark Structured Streaming.

Log lines (combined format) from a Kafka topic, keyed `<customer>|<client ip>|<user agent>`,
parsed by regex; sessions by event time (session_window, 30 min gap, 60 s watermark) with ten
aggregates each; then, per customer, a 1-minute tumbling window over the closed sessions (by the
session window's time, `window_time`); the closed windows written back to Kafka as JSON.

usage: spark_job.py <bootstrap> <input topic> <output topic> <checkpoint dir> <cores>
Prints `weir-peer ready` on stdout once the query has started.
"""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQueryListener

bootstrap, input_topic, output_topic, checkpoint, cores = sys.argv[1:6]

spark = (
    SparkSession.builder.master(f"local[{cores}]")
    .appName("weir-peers")
    .config("spark.ui.enabled", "false")
    # One shuffle partition per core: the default 200 tasks per micro-batch would cost most of the time.
    .config("spark.sql.shuffle.partitions", cores)
    .config("spark.sql.session.timeZone", "UTC")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("WARN")

LINE = r'^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) (\S+) "([^"]*)" "([^"]*)"'
ASSET = r"\.(css|js|png|jpe?g|gif|svg|ico|woff2?|webp)(\?|$)"

raw = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", bootstrap)
    .option("subscribe", input_topic)
    .option("startingOffsets", "earliest")
    .option("failOnDataLoss", "false")
    .load()
)

lines = raw.select(F.col("key").cast("string").alias("key"), F.col("value").cast("string").alias("line"))
events = lines.select(
    F.col("key"),
    F.substring_index("key", "|", 1).alias("customer"),
    F.to_timestamp(F.regexp_extract("line", LINE, 2), "dd/MMM/yyyy:HH:mm:ss Z").alias("ts"),
    F.regexp_extract("line", LINE, 3).alias("method"),
    F.regexp_extract("line", LINE, 4).alias("path"),
    F.regexp_extract("line", LINE, 5).cast("int").alias("status"),
    F.regexp_extract("line", LINE, 6).alias("bytes"),
    F.regexp_extract("line", LINE, 7).alias("referrer"),
).where(F.col("ts").isNotNull())

BYTES = F.when(F.col("bytes") == "-", 0).otherwise(F.col("bytes").cast("long"))

sessions = (
    events.withWatermark("ts", "60 seconds")
    .groupBy(F.session_window("ts", "30 minutes"), "customer", "key")
    .agg(
        F.count(F.lit(1)).alias("events"),
        F.min("ts").alias("first"),
        F.max("ts").alias("last"),
        F.sum(BYTES).alias("bytes"),
        F.max(BYTES).alias("max_bytes"),
        F.sum((F.col("status") >= 400).cast("int")).alias("errors"),
        F.sum((F.col("method") != "GET").cast("int")).alias("non_get"),
        F.sum(F.col("path").rlike(ASSET).cast("int")).alias("assets"),
        F.sum((F.col("referrer") == "-").cast("int")).alias("no_referrer"),
        # Exact: a session holds a few dozen paths at most, and the bench compares every aggregate exactly.
        F.size(F.collect_set("path")).alias("paths"),
    )
    .select(
        "customer",
        F.window_time("session_window").alias("closed_at"),
        "events",
        (F.unix_seconds("last") - F.unix_seconds("first")).alias("duration_s"),
        "bytes",
        "max_bytes",
        "errors",
        "non_get",
        "assets",
        "no_referrer",
        "paths",
    )
)

windows = (
    sessions.groupBy(F.window("closed_at", "1 minute"), "customer")
    .agg(
        F.count(F.lit(1)).alias("sessions"),
        F.sum("events").alias("events"),
        F.sum("duration_s").alias("durationS"),
        F.max("events").alias("maxEvents"),
        F.sum("bytes").alias("bytes"),
        F.max("max_bytes").alias("maxBytes"),
        F.sum("errors").alias("errors"),
        F.sum("non_get").alias("nonGet"),
        F.sum("assets").alias("assets"),
        F.sum("no_referrer").alias("noReferrer"),
        F.sum("paths").alias("paths"),
    )
    .select(
        F.col("customer").alias("key"),
        F.to_json(
            F.struct(
                "customer",
                F.unix_millis(F.col("window.start")).alias("windowStart"),
                "sessions",
                "events",
                "durationS",
                "maxEvents",
                "bytes",
                "maxBytes",
                "errors",
                "nonGet",
                "assets",
                "noReferrer",
                "paths",
            )
        ).alias("value"),
    )
)

class Progress(StreamingQueryListener):
    """One line per micro-batch on stderr: what it read, the watermark, and any row an operator dropped as late."""

    def onQueryStarted(self, event):
        pass

    def onQueryProgress(self, event):
        p = event.progress
        dropped = [op.numRowsDroppedByWatermark for op in p.stateOperators]
        print(
            f"spark batch {p.batchId}: {p.numInputRows} rows, watermark {p.eventTime.get('watermark', '-')}, "
            f"state rows {[op.numRowsTotal for op in p.stateOperators]}, dropped as late {dropped}",
            file=sys.stderr,
            flush=True,
        )

    def onQueryIdle(self, event):
        pass

    def onQueryTerminated(self, event):
        pass


spark.streams.addListener(Progress())

query = (
    windows.writeStream.format("kafka")
    .option("kafka.bootstrap.servers", bootstrap)
    .option("topic", output_topic)
    .option("checkpointLocation", checkpoint)
    .outputMode("append")
    .start()
)
print("weir-peer ready", flush=True)
query.awaitTermination()
