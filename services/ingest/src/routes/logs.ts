/**
 * POST /v1/logs: a customer's access log lines in, Avro RequestEvents out to `weir.logs.<customer>`.
 *
 * Checked from the headers, before the body is read: the key (401), the customer (403), the
 * content type and encoding (415), the declared size (413) and the Idempotency-Key (400).
 * Then the body is read and decompressed as it arrives, each byte charged to the in-flight
 * budget and the customer's share of it (429), within the body timeout (408), up to the limit
 * (413, decompressed too; 400 if not gzip). Then it is parsed line by line, in slices that give
 * the event loop back: good lines are produced and acknowledged by Kafka before the answer (503
 * when Kafka fails or is too slow), bad lines come back in the answer with their number, code
 * and reason (too long and invalid UTF-8 included). Nothing is accepted silently and nothing is
 * lost silently. A resend with the same Idempotency-Key gets the first answer (idempotency.ts).
 *
 * Status: 200 when at least one line was accepted (or the body had no lines); 422 when every
 * non-blank line was rejected — nothing was written, and a client that ignores the body should
 * notice. Both carry the same report.
 */
import type { Readable } from 'node:stream';
import type { RequestEvent, Serde } from '@weir/contracts';
import type { OutgoingMessage } from '@weir/stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeys } from '../api-keys.js';
import { presentedKey } from '../api-keys.js';
import { ACCEPTED_TYPES, bodyTypeOf, contentCodingOf, declaredLength, tooLarge, type BodyType, type ContentCoding } from '../body.js';
import { readBody } from '../body-reader.js';
import type { InflightBudget, Reservation } from '../budget.js';
import { encodeLines, type EncodeDeps, type IngestReport } from '../encode.js';
import { asIngestError, IngestError } from '../errors.js';
import { batchFingerprint, IDEMPOTENCY_HEADER, idempotencyKeyOf, type IdempotencyCache } from '../idempotency.js';
import type { IngestMetrics } from '../metrics.js';
import type { ParserCache } from '../parsers.js';
import type { LogPublisher } from '../publish.js';
import type { SessionKeySpec } from '../session-key.js';

export const LOGS_ROUTE = '/v1/logs';
export const DEFAULT_FORMAT = 'combined';

export interface IngestLimits {
  /** Largest body, as sent and decompressed (WEIR_INGEST_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Rejections listed in a response; the rest are counted (WEIR_INGEST_MAX_LISTED_REJECTIONS). */
  maxListedRejections: number;
  /** Seconds a 429 asks the client to wait (WEIR_INGEST_RETRY_AFTER). */
  retryAfterSeconds: number;
  /** Longest line (WEIR_INGEST_MAX_LINE_BYTES); longer ones are rejected `too_large`. */
  maxLineBytes: number;
  /** Longest a body may take to arrive, from the headers on (WEIR_INGEST_BODY_TIMEOUT). */
  bodyTimeoutMs: number;
  /** Longest a resend waits for the first attempt's records to settle (WEIR_INGEST_PRODUCE_TIMEOUT). */
  produceTimeoutMs: number;
}

export interface LogsRouteDeps {
  keys: ApiKeys;
  serde: Serde<RequestEvent>;
  publisher: LogPublisher;
  budget: InflightBudget;
  parsers: ParserCache;
  metrics: IngestMetrics;
  sessionKey: SessionKeySpec;
  limits: IngestLimits;
  idempotency: IdempotencyCache;
  /** Aborted when the service shuts down: bodies still arriving are refused (503). */
  closing: AbortSignal;
}

export type { IngestReport, LineRejection } from '../encode.js';

interface LogsQuery {
  customer?: string;
  format?: string;
}

/** What the header checks found, kept for the handler and the response hooks. */
interface Admitted {
  customer: string;
  type: BodyType;
  coding: ContentCoding;
  reservation: Reservation;
  /** performance.now() when the headers were checked: the body timeout counts from here. */
  admittedAt: number;
  idempotencyKey: string | null;
  /** True once the whole body was read: else the connection is closed after the answer. */
  bodyRead: boolean;
  /** Set once records went to Kafka: the reservation is released when Kafka is done with them. */
  settled?: Promise<unknown>;
}

/** Customer and error code per request, for the request counter (set before anything can fail). */
interface Outcome {
  customer: string;
  code: string;
}

function queryOf(request: FastifyRequest): LogsQuery {
  const query = request.query as Record<string, unknown> | undefined;
  const pick = (name: string): string | undefined => {
    const value = query?.[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new IngestError('WEIR_INGEST_BAD_REQUEST', 400, `query parameter ${name} given more than once`);
    return value;
  };
  return { customer: pick('customer'), format: pick('format') };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The format spec: `?format=` first, then `X-Log-Format`; NDJSON is always `json`. */
function formatOf(request: FastifyRequest, type: BodyType): string {
  const given = queryOf(request).format?.trim() || header(request, 'x-log-format')?.trim() || undefined;
  if (type.kind === 'ndjson') {
    if (given !== undefined && given !== 'json') {
      throw new IngestError(
        'WEIR_INGEST_BAD_FORMAT',
        400,
        `an application/x-ndjson body is read with the json format, not ${JSON.stringify(given)}: send raw lines as text/plain`,
      );
    }
    return 'json';
  }
  return given ?? DEFAULT_FORMAT;
}

export function logsRoutes(deps: LogsRouteDeps) {
  const { keys, serde, publisher, budget, parsers, metrics, limits } = deps;
  const encoding: EncodeDeps = { serde, publisher, parsers, sessionKey: deps.sessionKey, limits };
  const admitted = new WeakMap<FastifyRequest, Admitted>();
  const outcomes = new WeakMap<FastifyRequest, Outcome>();
  const unread = new WeakSet<FastifyRequest>();

  const overloaded = (): IngestError =>
    new IngestError(
      'WEIR_INGEST_OVERLOADED',
      429,
      `too many bytes in flight (limit ${budget.limit}, ${budget.perCustomer} per customer): retry after ${limits.retryAfterSeconds} s`,
      { retryAfterSeconds: limits.retryAfterSeconds },
    );

  /** Everything that can be refused from the headers alone, before a byte of body is read. */
  const admit = async (request: FastifyRequest): Promise<void> => {
    const outcome: Outcome = { customer: '', code: '' };
    outcomes.set(request, outcome);
    const key = presentedKey(request.headers);
    const customer = key === null ? null : keys.customerOf(key);
    if (customer === null) {
      throw new IngestError(
        'WEIR_INGEST_UNAUTHORIZED',
        401,
        key === null ? 'no API key: send Authorization: Bearer <key> or X-API-Key' : 'unknown API key',
      );
    }
    outcome.customer = customer;
    const asked = queryOf(request).customer;
    if (asked !== undefined && asked !== customer) {
      throw new IngestError('WEIR_INGEST_FORBIDDEN', 403, `this API key cannot write logs of customer "${asked}"`);
    }
    const type = bodyTypeOf(header(request, 'content-type'));
    const coding = contentCodingOf(header(request, 'content-encoding'));
    const length = declaredLength(header(request, 'content-length'));
    if (length !== null && length > limits.maxBodyBytes) throw tooLarge('the body', limits.maxBodyBytes);
    const idempotencyKey = idempotencyKeyOf(request.headers[IDEMPOTENCY_HEADER]);
    // Nothing is reserved on the headers' word: the budget is charged as bytes arrive.
    const reservation = budget.open(customer);
    admitted.set(request, { customer, type, coding, reservation, admittedAt: performance.now(), idempotencyKey, bodyRead: false });
  };

  /** Reads the body off the socket as it arrives (body-reader.ts): budget, timeout, gzip, limits. */
  const parseBody = async (request: FastifyRequest, payload: Readable): Promise<Buffer> => {
    const state = admitted.get(request);
    if (!state) throw new IngestError('WEIR_INGEST_INTERNAL', 500, 'body read without admission');
    const read = await readBody(payload, {
      coding: state.coding,
      maxBytes: limits.maxBodyBytes,
      reservation: state.reservation,
      timeoutMs: limits.bodyTimeoutMs - (performance.now() - state.admittedAt),
      signal: deps.closing,
      overloaded,
    });
    state.bodyRead = true;
    metrics.bodyBytes.inc({ customer: state.customer, encoding: state.coding }, read.received);
    return read.body;
  };

  /** A request whose body was left unread (refused early, timed out, over a limit) closes its connection. */
  const closeIfUnread = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const state = admitted.get(request);
    const hasBody = request.headers['content-length'] !== '0' && (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined);
    if (hasBody && !state?.bodyRead) {
      void reply.header('connection', 'close');
      unread.add(request);
    }
  };

  const release = async (request: FastifyRequest): Promise<void> => {
    if (unread.has(request)) {
      // The answer is out; what the client still sends is not read: drop the connection now.
      unread.delete(request);
      const socket = request.raw.socket as { destroy?: () => void } | null;
      if (typeof socket?.destroy === 'function') socket.destroy();
    }
    const state = admitted.get(request);
    if (!state) return;
    admitted.delete(request);
    if (state.settled) void state.settled.then(() => state.reservation.release());
    else state.reservation.release();
  };

  const count = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const outcome = outcomes.get(request) ?? { customer: '', code: '' };
    metrics.requests.inc({ customer: outcome.customer, status: String(reply.statusCode), code: outcome.code });
  };


  /** Waits until `deadline` (performance.now()) for a promise; false when it did not settle. */
  const settledBy = async (settled: Promise<void>, deadline: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - performance.now()))));
    try {
      return await Promise.race([settled.then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  };

  const ingest = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const state = admitted.get(request);
    if (!state) throw new IngestError('WEIR_INGEST_INTERNAL', 500, 'request reached the handler without admission');
    const { customer, type, idempotencyKey } = state;
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const format = formatOf(request, type);

    // A resend of a batch already (being) written: its first answer, or the rest of its records.
    let skipChunks = 0;
    let fingerprint = '';
    /** This request's claim on its key, settled with what became of it (see below). */
    let claim: { settle: () => void } | null = null;
    if (idempotencyKey !== null) {
      fingerprint = await batchFingerprint([format, type.kind, type.charset], body);
      const deadline = performance.now() + limits.produceTimeoutMs;
      let prior = deps.idempotency.lookup(customer, idempotencyKey, fingerprint);
      while (prior?.kind === 'pending') {
        if (!(await settledBy(prior.settled, deadline))) {
          throw publisher.unavailable('waiting for the first request with this Idempotency-Key', new Error('its records are still being written'));
        }
        prior = deps.idempotency.lookup(customer, idempotencyKey, fingerprint);
      }
      if (prior?.kind === 'answered') {
        metrics.replayed.inc({ customer });
        request.log.info({ customer, idempotencyKey, status: prior.status }, 'resend of an answered batch: first answer given again, nothing written');
        return reply.code(prior.status).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(prior.body);
      }
      if (prior?.kind === 'partial') skipChunks = prior.ackedChunks;
      // Claimed from now on: a concurrent resend waits for this request instead of writing too.
      let settle: () => void = () => undefined;
      const claimed = new Promise<void>((resolve) => (settle = resolve));
      deps.idempotency.record(customer, idempotencyKey, fingerprint, { kind: 'pending', settled: claimed });
      claim = { settle };
    }

    let report: IngestReport;
    let messages: OutgoingMessage[];
    let rejectedByCode: Map<string, number>;
    try {
      ({ report, messages, rejectedByCode } = await encodeLines(encoding, body, type.charset, customer, format));
    } catch (err) {
      // Nothing written by this attempt: a resend starts where the earlier ones left off.
      if (claim && idempotencyKey !== null) {
        deps.idempotency.record(customer, idempotencyKey, fingerprint, { kind: 'partial', ackedChunks: skipChunks });
        claim.settle();
      }
      throw err;
    }
    const nothingAccepted = report.accepted === 0 && report.rejectedCount > 0;
    const answer: IngestReport = nothingAccepted
      ? Object.assign(report, {
          error: { code: 'WEIR_INGEST_NOTHING_ACCEPTED', message: `all ${report.rejectedCount} non-blank lines were rejected: nothing was written` },
        })
      : report;
    const status = nothingAccepted ? 422 : 200;

    if (messages.length > 0) {
      const publishing = publisher.publish(messages, skipChunks);
      state.settled = publishing.settled;
      if (claim && idempotencyKey !== null) {
        const key = idempotencyKey;
        const { settle } = claim;
        // Recorded before anyone waiting on the key resumes: a resend then sees the outcome.
        void publishing.settled.then(({ ok, ackedChunks }) => {
          deps.idempotency.record(customer, key, fingerprint, ok ? { kind: 'answered', status, body: JSON.stringify(answer) } : { kind: 'partial', ackedChunks });
          settle();
        });
      }
      await publishing.acknowledged;
    } else if (claim && idempotencyKey !== null) {
      deps.idempotency.record(customer, idempotencyKey, fingerprint, { kind: 'answered', status, body: JSON.stringify(answer) });
      claim.settle();
    }

    metrics.linesAccepted.inc({ customer }, messages.length);
    metrics.linesBlank.inc({ customer }, report.blank);
    for (const [code, n] of rejectedByCode) metrics.linesRejected.inc({ customer, code }, n);
    request.log.info(
      { customer, topic: report.topic, lines: report.lines, accepted: report.accepted, rejected: report.rejectedCount, blank: report.blank, bytes: body.length, encoding: state.coding },
      'ingested',
    );
    if (nothingAccepted) {
      const outcome = outcomes.get(request);
      if (outcome) outcome.code = 'WEIR_INGEST_NOTHING_ACCEPTED';
      reply.code(422);
    }
    return answer;
  };

  return async function plugin(app: FastifyInstance): Promise<void> {
    // Bodies are read raw: the parsers, not fastify, decide what a line means, and gzip is ours.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser([...ACCEPTED_TYPES], (request: FastifyRequest, payload: Readable) => parseBody(request, payload));
    app.addHook('onRequest', admit);
    app.addHook('onSend', closeIfUnread);
    app.addHook('onResponse', release);
    app.addHook('onResponse', count);
    app.addHook('onRequestAbort', release);
    app.addHook('onError', async (request, _reply, error) => {
      const outcome = outcomes.get(request);
      if (outcome) outcome.code = asIngestError(error).code;
    });
    app.post(LOGS_ROUTE, ingest);
  };
}
