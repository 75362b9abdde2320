/**
 * The ingest service's own Prometheus metrics (request counts by route and status come from
 * @weir/service). Customer labels are bounded: only customers with a configured key appear.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class IngestMetrics {
  readonly requests: Counter<'customer' | 'status' | 'code'>;
  readonly linesAccepted: Counter<'customer'>;
  readonly linesRejected: Counter<'customer' | 'code'>;
  readonly linesBlank: Counter<'customer'>;
  readonly bodyBytes: Counter<'customer' | 'encoding'>;
  readonly replayed: Counter<'customer'>;
  readonly produceSeconds: Histogram<'outcome'>;
  readonly inflightBytes: Gauge;
  readonly inflightLimit: Gauge;

  constructor(registry: Registry, inflightLimitBytes: number) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'weir_ingest_requests_total',
      help: 'POST /v1/logs requests by customer (empty before authentication), HTTP status and error code (empty on success)',
      labelNames: ['customer', 'status', 'code'],
      registers,
    });
    this.linesAccepted = new Counter({
      name: 'weir_ingest_lines_accepted_total',
      help: 'Log lines written to the customer topic and acknowledged by Kafka',
      labelNames: ['customer'],
      registers,
    });
    this.linesRejected = new Counter({
      name: 'weir_ingest_lines_rejected_total',
      help: 'Log lines refused by the parser or the schema, by reason code',
      labelNames: ['customer', 'code'],
      registers,
    });
    this.linesBlank = new Counter({
      name: 'weir_ingest_lines_blank_total',
      help: 'Blank lines skipped',
      labelNames: ['customer'],
      registers,
    });
    this.bodyBytes = new Counter({
      name: 'weir_ingest_body_bytes_total',
      help: 'Request body bytes received (before decompression), by Content-Encoding',
      labelNames: ['customer', 'encoding'],
      registers,
    });
    this.replayed = new Counter({
      name: 'weir_ingest_replayed_total',
      help: 'Resends of an answered batch (same Idempotency-Key) given the first answer again, nothing written',
      labelNames: ['customer'],
      registers,
    });
    this.produceSeconds = new Histogram({
      name: 'weir_ingest_produce_duration_seconds',
      help: 'Time of one produce call until Kafka acknowledged it (or failed)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.inflightBytes = new Gauge({
      name: 'weir_ingest_inflight_bytes',
      help: 'Bytes of request bodies held: received and decompressed so far',
      registers,
    });
    this.inflightLimit = new Gauge({
      name: 'weir_ingest_inflight_limit_bytes',
      help: 'WEIR_INGEST_MAX_INFLIGHT_BYTES: above it requests get 429',
      registers,
    });
    this.inflightLimit.set(inflightLimitBytes);
    this.inflightBytes.set(0);
  }
}
