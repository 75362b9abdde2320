/**
 * POST /v1/logs: a customer's access log lines in, Avro RequestEvents out to `weir.logs.<customer>`.
 *
 * Checked from the headers, before the body is read: the key (401), the customer (403), the
 * content type and encoding (415), the declared size (413) and the in-flight budget (429).
 * Then the body is read (413 past the limit), decompressed (400 if not gzip, 413 past the limit
 * decompressed), and parsed line by line: good lines are produced and acknowledged by Kafka
 * before the answer (503 when Kafka fails or is too slow), bad lines come back in the answer
 * with their number, code and reason. Nothing is accepted silently and nothing is lost silently.
 *
 * Status: 200 when at least one line was accepted (or the body had no lines); 422 when every
 * non-blank line was rejected — nothing was written, and a client that ignores the body should
 * notice. Both carry the same report.
 */
import { isContractError, logsTopic, type RequestEvent, type Serde } from '@weir/contracts';
import type { OutgoingMessage } from '@weir/stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeys } from '../api-keys.js';
import { presentedKey } from '../api-keys.js';
import {
  ACCEPTED_TYPES,
  bodyText,
  bodyTypeOf,
  contentCodingOf,
  decodeBody,
  declaredLength,
  splitLines,
  tooLarge,
  type BodyType,
  type ContentCoding,
} from '../body.js';
import { asIngestError, IngestError } from '../errors.js';
import type { IngestMetrics } from '../metrics.js';
import type { ParserCache } from '../parsers.js';
import type { InflightBudget, LogPublisher, Reservation } from '../publish.js';
import { sessionKeyOf, type SessionKeySpec } from '../session-key.js';

export const LOGS_ROUTE = '/v1/logs';
export const DEFAULT_FORMAT = 'combined';

export interface IngestLimits {
  /** Largest body, as sent and decompressed (WEIR_INGEST_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Rejections listed in a response; the rest are counted (WEIR_INGEST_MAX_LISTED_REJECTIONS). */
  maxListedRejections: number;
  /** Seconds a 429 asks the client to wait (WEIR_INGEST_RETRY_AFTER). */
  retryAfterSeconds: number;
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
}

/** One rejected line: its number in the body (1-based, blank lines counted), why, and in detail. */
export interface LineRejection {
  line: number;
  /** A @weir/logs reject code (`layout`, `bad_time`, ...) or `invalid_record` (the schema refused the event). */
  code: string;
  reason: string;
}

export interface IngestReport {
  customer: string;
  topic: string;
  format: string;
  /** Lines in the body, blank ones included. */
  lines: number;
  /** Lines written to the topic and acknowledged by Kafka. */
  accepted: number;
  blank: number;
  /** All rejected lines, listed or not. */
  rejectedCount: number;
  /** The first `maxListedRejections` of them. */
  rejected: LineRejection[];
  /** Rejected lines not listed. */
  rejectedOmitted: number;
}

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
  /** Set once records went to Kafka: the reservation is released when Kafka is done with them. */
  settled?: Promise<void>;
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
  const admitted = new WeakMap<FastifyRequest, Admitted>();
  const outcomes = new WeakMap<FastifyRequest, Outcome>();

  const overloaded = (): IngestError =>
    new IngestError(
      'WEIR_INGEST_OVERLOADED',
      429,
      `too many bytes in flight (limit ${budget.limit}): retry after ${limits.retryAfterSeconds} s`,
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
    // A chunked body's size is unknown: hold the most it may be until it has been read.
    const reservation = budget.tryReserve(length ?? limits.maxBodyBytes);
    if (!reservation) throw overloaded();
    admitted.set(request, { customer, type, coding, reservation });
  };

  const release = async (request: FastifyRequest): Promise<void> => {
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

  const ingest = async (request: FastifyRequest, reply: FastifyReply): Promise<IngestReport> => {
    const state = admitted.get(request);
    if (!state) throw new IngestError('WEIR_INGEST_INTERNAL', 500, 'request reached the handler without admission');
    const { customer, type, coding, reservation } = state;
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    metrics.bodyBytes.inc({ customer, encoding: coding }, raw.length);
    // Now the real size is known: give back what a chunked body did not use.
    reservation.resize(raw.length);

    const format = formatOf(request, type);
    const parser = parsers.get(customer, format);
    const body = await decodeBody(raw, coding, limits.maxBodyBytes);
    if (body !== raw && !reservation.resize(raw.length + body.length)) throw overloaded();

    const topic = logsTopic(customer);
    const lines = splitLines(bodyText(body, type.charset));
    const messages: OutgoingMessage[] = [];
    const rejected: LineRejection[] = [];
    const rejectedByCode = new Map<string, number>();
    let rejectedCount = 0;
    let blank = 0;
    const reject = (line: number, code: string, reason: string): void => {
      rejectedCount++;
      rejectedByCode.set(code, (rejectedByCode.get(code) ?? 0) + 1);
      if (rejected.length < limits.maxListedRejections) rejected.push({ line, code, reason });
    };

    if (lines.length > 0) await publisher.ensureTopic(topic);
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const result = parser.parseLine(lines[i]!, lineNo);
      if (result === null) {
        blank++;
        continue;
      }
      if (!result.ok) {
        reject(lineNo, result.code, result.reason);
        continue;
      }
      let value: Buffer;
      try {
        value = await serde.encode(topic, result.event);
      } catch (err) {
        // A value the schema refuses is this line's fault; anything else (registry down) is ours.
        if (isContractError(err, 'WEIR_RECORD_INVALID')) {
          reject(lineNo, 'invalid_record', err.message);
          continue;
        }
        throw publisher.unavailable('encoding with the schema registry', err);
      }
      messages.push({ topic, key: sessionKeyOf(result.event, deps.sessionKey), value });
    }

    if (messages.length > 0) {
      const publishing = publisher.publish(messages);
      state.settled = publishing.settled;
      await publishing.acknowledged;
    }

    metrics.linesAccepted.inc({ customer }, messages.length);
    metrics.linesBlank.inc({ customer }, blank);
    for (const [code, n] of rejectedByCode) metrics.linesRejected.inc({ customer, code }, n);

    const report: IngestReport = {
      customer,
      topic,
      format,
      lines: lines.length,
      accepted: messages.length,
      blank,
      rejectedCount,
      rejected,
      rejectedOmitted: rejectedCount - rejected.length,
    };
    request.log.info(
      { customer, topic, lines: report.lines, accepted: report.accepted, rejected: rejectedCount, blank, bytes: raw.length, encoding: coding },
      'ingested',
    );
    if (report.accepted === 0 && rejectedCount > 0) {
      const outcome = outcomes.get(request);
      if (outcome) outcome.code = 'WEIR_INGEST_NOTHING_ACCEPTED';
      reply.code(422);
      return Object.assign(report, {
        error: { code: 'WEIR_INGEST_NOTHING_ACCEPTED', message: `all ${rejectedCount} non-blank lines were rejected: nothing was written` },
      });
    }
    return report;
  };

  return async function plugin(app: FastifyInstance): Promise<void> {
    // Bodies are read raw: the parsers, not fastify, decide what a line means, and gzip is ours.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser([...ACCEPTED_TYPES], { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_request, body, done) =>
      done(null, body),
    );
    app.addHook('onRequest', admit);
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
