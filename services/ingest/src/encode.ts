/**
 * A body's lines → Avro records for `weir.logs.<customer>`, and the report of what became of each
 * line: parsed by the customer's format, encoded with the schema, or rejected with its number,
 * code and reason. Runs in slices that give the event loop a turn, so a 10 MB body does not hold
 * it (health checks and other requests go on meanwhile).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isContractError, logsTopic, type RequestEvent, type Serde } from '@weir/contracts';
import type { OutgoingMessage } from '@weir/stream';
import { BodyLineCursor, type BodyCharset } from './body.js';
import { KeyBytes } from './key-bytes.js';
import type { ParserCache } from './parsers.js';
import type { LogPublisher } from './publish.js';
import { NO_ADDRESS, sessionKeyOf, unkeyableReason, type SessionKeySpec } from './session-key.js';

/** Every body's keys share slabs, as `Buffer.from` shares its pool: a one-line body takes no slab of its own. */
const keyBytes = new KeyBytes();

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
  // Parsed lines wait here and are encoded together (one call, no promise per line); a rejection
  // encodes them first, so rejections are listed in line order.
  const pending: Array<{ topic: string; value: RequestEvent }> = [];
  const pendingKeys: Buffer[] = [];
  const pendingLines: number[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const values = await encodePending(serde, publisher, pending, pendingLines, reject);
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value !== null) messages.push({ topic, key: pendingKeys[i]!, value });
    }
    pending.length = 0;
    pendingKeys.length = 0;
    pendingLines.length = 0;
  };
  let sliceStart = performance.now();
  const line = new BodyLineCursor(body, charset, limits.maxLineBytes);
  while (line.next()) {
    const lineNo = ++lines;
    if ((lineNo & 127) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await flush();
      await nextTurn();
      sliceStart = performance.now();
    }
    if (line.rejected !== null) {
      await flush();
      reject(lineNo, line.rejected, line.reason);
      continue;
    }
    const result = parser.parseLine(line.text, lineNo);
    if (result === null) {
      blank++;
      continue;
    }
    if (!result.ok) {
      await flush();
      reject(lineNo, result.code, result.reason);
      continue;
    }
    const unkeyable = unkeyableReason(result.event, deps.sessionKey, 'WEIR_SESSION_KEY=');
    if (unkeyable !== null) {
      await flush();
      reject(lineNo, NO_ADDRESS, unkeyable);
      continue;
    }
    pending.push({ topic, value: result.event });
    pendingKeys.push(keyBytes.of(sessionKeyOf(result.event, deps.sessionKey)));
    pendingLines.push(lineNo);
  }
  await flush();
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

/**
 * The records of `items`, in order, null for a line the schema refused (rejected `invalid_record`).
 * All at once when every one encodes; one by one only to find which did not.
 */
async function encodePending(
  serde: Serde<RequestEvent>,
  publisher: LogPublisher,
  items: ReadonlyArray<{ topic: string; value: RequestEvent }>,
  lineNos: readonly number[],
  reject: (line: number, code: string, reason: string) => void,
): Promise<Array<Buffer | null>> {
  if (serde.encodeMany) {
    try {
      return await serde.encodeMany(items);
    } catch (err) {
      if (!isContractError(err, 'WEIR_RECORD_INVALID')) throw publisher.unavailable('encoding with the schema registry', err);
    }
  }
  const out: Array<Buffer | null> = [];
  for (const [i, { topic, value }] of items.entries()) {
    try {
      out.push(await serde.encode(topic, value));
    } catch (err) {
      // A value the schema refuses is this line's fault; anything else (registry down) is ours.
      if (!isContractError(err, 'WEIR_RECORD_INVALID')) throw publisher.unavailable('encoding with the schema registry', err);
      reject(lineNos[i]!, 'invalid_record', err.message);
      out.push(null);
    }
  }
  return out;
}
