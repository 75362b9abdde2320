/**
 * `weir ingest`: sends an access log to the ingest service in batches, and says what it did
 * with every line. Lines are read as bytes and sent as they are (no decoding and re-encoding);
 * batches go one at a time, in order, so a session's lines reach Kafka in the order they were
 * logged. 408, 429 and 5xx (and a service that cannot be reached) are retried with the
 * project's backoff (@weir/stream's `backoffDelay`), honouring Retry-After; 413 splits the
 * batch. Each batch carries an Idempotency-Key, the same on every resend of it, so a resend
 * of a batch the service already wrote (its answer lost, or a produce timeout that landed
 * after all) is answered without writing it again. Rejected lines are printed with their line
 * number in the file, not in the batch.
 */
import { randomUUID } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { parseArgs, promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { backoffDelay, sleep, type RetryPolicy } from '@weir/stream';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const gzip = promisify(gzipCallback);

const USAGE = `weir ingest (--file F [--follow] | --stdin) --customer C --url U --key K [options]

Sends access log lines to the ingest service (POST U/v1/logs) in batches and prints every
rejected line as "<file>:<line>: <code>: <reason>", then a summary. Progress goes to stderr.

  --file F            the log file to send
  --follow            keep reading F as it grows, like tail -F (follows rotation and truncation);
                      stop with Ctrl-C or SIGTERM: what was read is sent first
  --stdin             read the lines from standard input
  --customer C        the customer the key belongs to
  --url U             the ingest service, e.g. http://127.0.0.1:8080
  --key K             the customer's API key (default: $WEIR_INGEST_KEY, which keeps it off the command line)
  --format F          combined (default), common, vhost_combined, json (sent as NDJSON),
                      or an nginx log_format / Apache LogFormat string
  --batch-lines N     lines per request (default 5000)
  --batch-bytes N     bytes per request at most, before compression (default 8388608)
  --gzip              compress each request
  --retries N         attempts per batch after a 408, 429, 5xx or connection failure (default 10);
                      every attempt sends the batch's Idempotency-Key, so none writes it twice
  --timeout T         seconds to wait for one response (default 60)
  --quiet             no progress; rejected lines and the summary are still printed

Exit status: 0 every line accepted; 3 all sent but some lines rejected; 1 a batch could not
be delivered (refused, or retries used up); 2 wrong arguments.`;

const OPTIONS = {
  file: { type: 'string' },
  follow: { type: 'boolean', default: false },
  stdin: { type: 'boolean', default: false },
  customer: { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
  format: { type: 'string', default: 'combined' },
  'batch-lines': { type: 'string' },
  'batch-bytes': { type: 'string' },
  gzip: { type: 'boolean', default: false },
  retries: { type: 'string' },
  timeout: { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

export interface IngestCliOptions {
  file: string | null;
  follow: boolean;
  customer: string;
  /** The endpoint: `<url>/v1/logs`. */
  endpoint: string;
  key: string;
  format: string;
  batchLines: number;
  batchBytes: number;
  gzip: boolean;
  retries: number;
  timeoutMs: number;
  quiet: boolean;
  /** How often --follow looks at the file, ms. */
  pollMs: number;
}

function wholeNumber(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag}: expected a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

export function parseIngestArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): IngestCliOptions {
  let values;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if ((values.file === undefined) === !values.stdin) throw new UsageError('give exactly one of --file F and --stdin');
  if (values.follow && values.file === undefined) throw new UsageError('--follow needs --file');
  if (!values.customer) throw new UsageError('--customer is required');
  if (!values.url) throw new UsageError('--url is required');
  const key = values.key ?? env.WEIR_INGEST_KEY;
  if (!key) throw new UsageError('--key is required (or set WEIR_INGEST_KEY)');
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    throw new UsageError(`--url: not a URL: ${values.url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--url: use http:// or https://');
  const path = base.pathname.replace(/\/+$/, '');
  base.pathname = path.endsWith('/v1/logs') ? path : `${path}/v1/logs`;
  base.searchParams.set('customer', values.customer);
  const format = values.format ?? 'combined';
  if (format !== 'json') base.searchParams.set('format', format);
  return {
    file: values.file ?? null,
    follow: values.follow ?? false,
    customer: values.customer,
    endpoint: base.toString(),
    key,
    format,
    batchLines: wholeNumber('batch-lines', values['batch-lines'], 5000, 1, 1_000_000),
    batchBytes: wholeNumber('batch-bytes', values['batch-bytes'], 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    gzip: values.gzip ?? false,
    retries: wholeNumber('retries', values.retries, 10, 0, 1000),
    timeoutMs: wholeNumber('timeout', values.timeout, 60, 1, 3600) * 1000,
    quiet: values.quiet ?? false,
    pollMs: 250,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading lines

/** A line as read (bytes, without its newline), or word that the source is waiting for more. */
type SourceItem = { line: Buffer } | { idle: true } | { restart: string };

const NEWLINE = 0x0a;
const READ_SIZE = 256 * 1024;

/** Byte chunks → lines. Splitting on the byte 0x0a is safe in UTF-8: no multi-byte character contains it. */
class LineSplitter {
  private rest: Buffer[] = [];

  *push(chunk: Buffer): Generator<Buffer> {
    let start = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, at);
      if (this.rest.length > 0) {
        this.rest.push(piece);
        yield Buffer.concat(this.rest);
        this.rest = [];
      } else {
        // A copy: the read buffer is reused.
        yield Buffer.from(piece);
      }
      start = at + 1;
    }
    if (start < chunk.length) this.rest.push(Buffer.from(chunk.subarray(start)));
  }

  /** The last line when it had no newline. */
  flush(): Buffer | null {
    if (this.rest.length === 0) return null;
    const line = Buffer.concat(this.rest);
    this.rest = [];
    return line;
  }
}

async function* linesOfStream(stream: AsyncIterable<Buffer | string>): AsyncGenerator<SourceItem> {
  const splitter = new LineSplitter();
  for await (const chunk of stream) {
    for (const line of splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) yield { line };
  }
  const last = splitter.flush();
  if (last) yield { line: last };
}

/**
 * A file's lines; with `follow`, then its growth, as `tail -F` does: a file replaced at the
 * path (rotation) is read to its end and the new one from its start, a file that shrank
 * (truncation) is read again from its start. Each restart is announced, so line numbers restart.
 */
async function* linesOfFile(path: string, follow: boolean, pollMs: number, signal: AbortSignal): AsyncGenerator<SourceItem> {
  let handle: FileHandle = await open(path, 'r');
  let identity = await handle.stat();
  let position = 0;
  let splitter = new LineSplitter();
  const buffer = Buffer.allocUnsafe(READ_SIZE);

  /** Reads what the open file has past `position`. */
  async function* drain(): AsyncGenerator<SourceItem> {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      for (const line of splitter.push(buffer.subarray(0, bytesRead))) yield { line };
    }
  }

  try {
    for (;;) {
      yield* drain();
      if (!follow || signal.aborted) break;
      yield { idle: true };
      await sleep(pollMs, signal);
      if (signal.aborted) break;

      const now = await stat(path).catch(() => null);
      if (now && (now.ino !== identity.ino || now.dev !== identity.dev)) {
        // Rotated: finish the old file (its writer may have added a last line), then switch.
        yield* drain();
        const last = splitter.flush();
        if (last) yield { line: last };
        await handle.close();
        handle = await open(path, 'r');
        identity = await handle.stat();
        position = 0;
        splitter = new LineSplitter();
        yield { restart: `${path} was replaced (rotated): reading the new file from its start` };
      } else if ((await handle.stat()).size < position) {
        // Truncated in place (copytruncate): what it holds now is new.
        position = 0;
        splitter = new LineSplitter();
        yield { restart: `${path} was truncated: reading it again from its start` };
      }
    }
    const last = splitter.flush();
    if (last) yield { line: last };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Sending

interface Batch {
  lines: Buffer[];
  bytes: number;
  /** Number of its first line in the file. */
  firstLine: number;
  /** Which file it came from (after a rotation, the numbering restarts). */
  source: string;
}

interface Rejection {
  line: number;
  code: string;
  reason: string;
}

/** What the service answers for a batch it took (200) or took none of (422). */
interface IngestReply {
  accepted: number;
  blank: number;
  rejectedCount: number;
  rejected: Rejection[];
  rejectedOmitted: number;
}

interface Totals {
  read: number;
  sent: number;
  accepted: number;
  rejected: number;
  blank: number;
  requests: number;
  retries: number;
  bytesSent: number;
}

/** A failure that ends the run: the batch could not be delivered. */
class DeliveryError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function isReply(value: unknown): value is IngestReply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.accepted === 'number' && typeof v.rejectedCount === 'number' && Array.isArray(v.rejected);
}

function errorOf(value: unknown): { code: string; message: string } {
  if (typeof value === 'object' && value !== null && 'error' in value) {
    const error = (value as { error: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const e = error as Record<string, unknown>;
      return { code: String(e.code ?? 'unknown'), message: String(e.message ?? '') };
    }
  }
  return { code: 'unknown', message: JSON.stringify(value)?.slice(0, 500) ?? '' };
}

/** Retry-After in ms: seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** 0.5 s doubling up to 30 s, with jitter; never less than what the server asked (Retry-After). */
const SEND_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000 };

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

class Sender {
  constructor(
    private readonly options: IngestCliOptions,
    private readonly totals: Totals,
    private readonly report: (batch: Batch, rejections: Rejection[], omitted: number) => void,
    private readonly note: (text: string) => void,
    private readonly signal: AbortSignal,
  ) {}

  /** Delivers the batch, splitting it on 413; throws DeliveryError when it cannot. */
  async send(batch: Batch): Promise<void> {
    const body = Buffer.concat(batch.lines.flatMap((line) => [line, Buffer.from('\n')]));
    // One key per batch, kept across its resends; the halves of a split batch are new batches.
    const reply = await this.post(body, batch, `weir-ingest-${randomUUID()}`);
    if (reply === 'too large') {
      if (batch.lines.length === 1) {
        this.totals.sent += 1;
        this.totals.rejected += 1;
        this.report(batch, [{ line: 1, code: 'too_large', reason: `the line alone (${body.length} bytes) is over the service's body limit` }], 0);
        return;
      }
      const half = Math.ceil(batch.lines.length / 2);
      this.note(`a batch of ${batch.lines.length} lines was too large for the service: sending it in two`);
      await this.send({ ...batch, lines: batch.lines.slice(0, half), bytes: 0 });
      await this.send({ ...batch, lines: batch.lines.slice(half), bytes: 0, firstLine: batch.firstLine + half });
      return;
    }
    this.totals.sent += batch.lines.length;
    this.totals.accepted += reply.accepted;
    this.totals.rejected += reply.rejectedCount;
    this.totals.blank += reply.blank;
    if (reply.rejectedCount > 0) this.report(batch, reply.rejected, reply.rejectedOmitted);
  }

  private async post(raw: Buffer, batch: Batch, batchId: string): Promise<IngestReply | 'too large'> {
    const { options } = this;
    const body = options.gzip ? await gzip(raw) : raw;
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.key}`,
      'idempotency-key': batchId,
      'content-type': options.format === 'json' ? 'application/x-ndjson' : 'text/plain; charset=utf-8',
    };
    if (options.gzip) headers['content-encoding'] = 'gzip';
    const where = `lines ${batch.firstLine}-${batch.firstLine + batch.lines.length - 1} of ${batch.source}`;

    for (let attempt = 0; ; attempt++) {
      let status: number;
      let payload: unknown;
      let asked: number | null = null;
      let why: string;
      try {
        this.totals.requests++;
        const response = await fetch(options.endpoint, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        status = response.status;
        asked = retryAfterMs(response.headers.get('retry-after'));
        const text = await response.text();
        try {
          payload = JSON.parse(text);
        } catch {
          payload = { error: { code: `HTTP_${status}`, message: text.slice(0, 500) } };
        }
        if (status === 200 || status === 422) {
          if (!isReply(payload)) throw new DeliveryError(`unexpected answer for ${where}: ${JSON.stringify(payload).slice(0, 500)}`, 'bad_reply');
          this.totals.bytesSent += body.length;
          return payload;
        }
        if (status === 413) return 'too large';
        const error = errorOf(payload);
        if (!RETRY_STATUSES.has(status)) {
          throw new DeliveryError(`the service refused ${where}: HTTP ${status} ${error.code}: ${error.message}`, error.code);
        }
        why = `HTTP ${status} ${error.code}`;
      } catch (err) {
        if (err instanceof DeliveryError) throw err;
        // Unreachable, reset, timed out: whether it arrived is unknown, so it is sent again,
        // with the same Idempotency-Key: the service writes it at most once.
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        why = `${err instanceof Error ? err.message : String(err)}${cause}`;
      }
      if (attempt >= options.retries) {
        throw new DeliveryError(`giving up on ${where} after ${attempt + 1} attempts: ${why}`, 'retries_exhausted');
      }
      const wait = Math.max(asked ?? 0, backoffDelay(attempt + 1, SEND_RETRY));
      this.totals.retries++;
      this.note(`${why}: retrying ${where} in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${options.retries + 1})`);
      await sleep(wait, this.signal);
      if (this.signal.aborted) throw new DeliveryError(`interrupted while waiting to retry ${where}`, 'interrupted');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Progress and output

class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private readonly began = performance.now();
  private lastShown = 0;
  private shown = false;

  constructor(
    private readonly totals: Totals,
    private readonly quiet: boolean,
    private readonly fileSize: number | null,
  ) {}

  linesPerSecond(): number {
    return this.totals.sent / Math.max((performance.now() - this.began) / 1000, 1e-3);
  }

  /** Redraws at most 4 times a second on a terminal, every 10 s in a log. */
  update(bytesRead: number): void {
    if (this.quiet) return;
    const now = performance.now();
    if (now - this.lastShown < (this.tty ? 250 : 10_000)) return;
    this.lastShown = now;
    const t = this.totals;
    let bar = '';
    if (this.fileSize !== null && this.fileSize > 0) {
      const fraction = Math.min(1, bytesRead / this.fileSize);
      const width = 20;
      const filled = Math.round(fraction * width);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  `;
    }
    const text = `${bar}sent ${t.sent.toLocaleString('en-US')}  accepted ${t.accepted.toLocaleString('en-US')}  rejected ${t.rejected.toLocaleString('en-US')}  ${Math.round(this.linesPerSecond()).toLocaleString('en-US')} lines/s`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.shown = true;
    } else {
      process.stderr.write(`${text}\n`);
    }
  }

  /** Clears the progress line so other output starts on a clean line. */
  clear(): void {
    if (this.tty && this.shown) {
      process.stderr.write('\r\x1b[2K');
      this.shown = false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The run

export async function runIngest(options: IngestCliOptions, signal: AbortSignal): Promise<number> {
  const totals: Totals = { read: 0, sent: 0, accepted: 0, rejected: 0, blank: 0, requests: 0, retries: 0, bytesSent: 0 };
  let source = options.file ?? '-';
  const fileSize = options.file !== null && !options.follow ? (await stat(options.file)).size : null;
  const progress = new Progress(totals, options.quiet, fileSize);
  const say = (text: string, stream: NodeJS.WriteStream = process.stderr) => {
    progress.clear();
    stream.write(`${text}\n`);
  };
  const sender = new Sender(
    options,
    totals,
    (batch, rejections, omitted) => {
      for (const r of rejections) say(`${batch.source}:${batch.firstLine + r.line - 1}: ${r.code}: ${r.reason}`, process.stdout);
      if (omitted > 0) {
        say(
          `${batch.source}: ${omitted} more rejected line(s) in lines ${batch.firstLine}-${batch.firstLine + batch.lines.length - 1} not listed by the service`,
          process.stdout,
        );
      }
    },
    (text) => (options.quiet ? undefined : say(text)),
    signal,
  );

  const items = options.file !== null ? linesOfFile(options.file, options.follow, options.pollMs, signal) : linesOfStream(process.stdin);
  let batch: Batch = { lines: [], bytes: 0, firstLine: 1, source };
  let lineNo = 0;
  let bytesRead = 0;
  const flush = async () => {
    if (batch.lines.length === 0) return;
    const full = batch;
    batch = { lines: [], bytes: 0, firstLine: lineNo + 1, source };
    await sender.send(full);
    progress.update(bytesRead);
  };

  const began = performance.now();
  let failure: DeliveryError | null = null;
  try {
    for await (const item of items) {
      if ('idle' in item) {
        // Following and caught up: send what there is rather than wait for a full batch.
        await flush();
        progress.update(bytesRead);
        continue;
      }
      if ('restart' in item) {
        await flush();
        if (!options.quiet) say(item.restart);
        lineNo = 0;
        source = options.file ?? '-';
        batch = { lines: [], bytes: 0, firstLine: 1, source };
        continue;
      }
      const size = item.line.length + 1;
      if (batch.lines.length >= options.batchLines || (batch.lines.length > 0 && batch.bytes + size > options.batchBytes)) await flush();
      lineNo++;
      totals.read++;
      bytesRead += size;
      batch.lines.push(item.line);
      batch.bytes += size;
    }
    await flush();
  } catch (err) {
    if (!(err instanceof DeliveryError)) throw err;
    failure = err;
  }

  progress.clear();
  const seconds = (performance.now() - began) / 1000;
  const unsent = totals.read - totals.sent;
  if (failure) console.error(`weir ingest: ${failure.message}`);
  console.log(
    `${source}: read ${totals.read.toLocaleString('en-US')} lines, sent ${totals.sent.toLocaleString('en-US')}: ` +
      `accepted ${totals.accepted.toLocaleString('en-US')}, rejected ${totals.rejected.toLocaleString('en-US')}, blank ${totals.blank.toLocaleString('en-US')}` +
      `${unsent > 0 ? `, NOT sent ${unsent.toLocaleString('en-US')}` : ''} ` +
      `in ${seconds.toFixed(1)} s (${Math.round(totals.sent / Math.max(seconds, 1e-3)).toLocaleString('en-US')} lines/s, ` +
      `${totals.requests} requests, ${totals.retries} retries)`,
  );
  if (failure) return 1;
  return totals.rejected > 0 ? 3 : 0;
}

export const command: Command = {
  summary: 'Send an access log (a file, a growing file, or stdin) to the ingest service in batches.',
  usage: USAGE,
  async run(argv) {
    const options = parseIngestArgs(argv);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      return await runIngest(options, controller.signal);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
        console.error(`weir ingest: ${(err as Error).message}`);
        return 1;
      }
      throw err;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};
