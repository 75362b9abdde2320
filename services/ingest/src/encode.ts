/**
 * A body's lines → Avro records for `weir.logs.<customer>`, and the report of what became of each
 * line: parsed by the customer's format, encoded with the schema, or rejected with its number,
 * code and reason. Runs in slices that give the event loop a turn, so a 10 MB body does not hold
 * it (health checks and other requests go on meanwhile).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isContractError, logsTopic, type RequestEvent, type Serde } from '@weir/contracts';
import type { OutgoingMessage } from '@weir/stream';
import { bodyLines, type BodyCharset } from './body.js';
import type { ParserCache } from './parsers.js';
import type { LogPublisher } from './publish.js';
import { NO_ADDRESS, sessionKeyOf, unkeyableReason, type SessionKeySpec } from './session-key.js';

/** How long parsing runs before it gives the event loop a turn. */
const SLICE_MS = 10;

export interface EncodeDeps {
  serde: Serde<RequestEvent>;
  publisher: LogPublisher;
  parsers: ParserCache;
  sessionKey: SessionKeySpec;
  limits: { maxLineBytes: number; maxListedRejections: number };
}

/** One rejected line: its number in the body (1-based, blank lines counted), why, and in detail. */
export interface LineRejection {
  line: number;
  /**
   * A @weir/logs reject code (`layout`, `bad_time`, ...), `too_large` (over WEIR_INGEST_MAX_LINE_BYTES),
   * `invalid_utf8` (not the declared charset), `invalid_record` (the schema refused the event) or
   * `no_address` (no client address, and WEIR_SESSION_KEY keys sessions by it).
   */
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

export interface EncodedBody {
  report: IngestReport;
  messages: OutgoingMessage[];
  rejectedByCode: Map<string, number>;
}

/** Parses and encodes every line of a body, giving the event loop a turn every SLICE_MS. */
export async function encodeLines(deps: EncodeDeps, body: Buffer, charset: BodyCharset, customer: string, format: string): Promise<EncodedBody> {
  const { serde, publisher, parsers, limits } = deps;
  const parser = parsers.get(customer, format);
  const topic = logsTopic(customer);
  const messages: OutgoingMessage[] = [];
  const rejected: LineRejection[] = [];
  const rejectedByCode = new Map<string, number>();
  let rejectedCount = 0;
  let blank = 0;
  let lines = 0;
  const reject = (line: number, code: string, reason: string): void => {
    rejectedCount++;
    rejectedByCode.set(code, (rejectedByCode.get(code) ?? 0) + 1);
    if (rejected.length < limits.maxListedRejections) rejected.push({ line, code, reason });
  };

  if (body.length > 0) await publisher.ensureTopic(topic);
  let sliceStart = performance.now();
  for (const line of bodyLines(body, charset, limits.maxLineBytes)) {
    const lineNo = ++lines;
    if ((lineNo & 127) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    if (!line.ok) {
      reject(lineNo, line.code, line.reason);
      continue;
    }
    const result = parser.parseLine(line.text, lineNo);
    if (result === null) {
      blank++;
      continue;
    }
    if (!result.ok) {
      reject(lineNo, result.code, result.reason);
      continue;
    }
    const unkeyable = unkeyableReason(result.event, deps.sessionKey, 'WEIR_SESSION_KEY=');
    if (unkeyable !== null) {
      reject(lineNo, NO_ADDRESS, unkeyable);
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
  const report: IngestReport = {
    customer,
    topic,
    format,
    lines,
    accepted: messages.length,
    blank,
    rejectedCount,
    rejected,
    rejectedOmitted: rejectedCount - rejected.length,
  };
  return { report, messages, rejectedByCode };
}
