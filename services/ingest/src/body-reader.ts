/**
 * Reading a request body off the socket: every chunk is charged to the in-flight budget as it
 * arrives, and so is every chunk gzip produces, so the budget holds what is really in memory
 * (not what the headers promised) and a gzip bomb stops at the size limit instead of after it.
 * A body that has not arrived by its deadline is refused (408), and so is every body still
 * arriving when the service shuts down (503): a client that trickles bytes holds neither the
 * budget nor the shutdown.
 */
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { Reservation } from './budget.js';
import { tooLarge, type ContentCoding } from './body.js';
import { IngestError } from './errors.js';

export interface ReadBodyOptions {
  coding: ContentCoding;
  /** Largest body, as sent and decompressed. */
  maxBytes: number;
  /** Charged with every byte received and decompressed; refused growth answers 429. */
  reservation: Reservation;
  /** Milliseconds left to receive the whole body (408 after). */
  timeoutMs: number;
  /** Aborted when the service shuts down (503). */
  signal: AbortSignal;
  /** The 429 to answer when the budget (or the customer's share of it) is full. */
  overloaded: () => IngestError;
  /** Bytes received, as sent. */
  onReceived?: (bytes: number) => void;
}

export interface ReadBody {
  /** The body, decompressed. */
  body: Buffer;
  /** Bytes as sent. */
  received: number;
}

export function bodyTimeout(timeoutMs: number): IngestError {
  return new IngestError('WEIR_INGEST_BODY_TIMEOUT', 408, `the body did not arrive within ${timeoutMs} ms: send it faster, or in smaller batches`);
}

export function shuttingDown(retryAfterSeconds?: number): IngestError {
  return new IngestError(
    'WEIR_INGEST_SHUTTING_DOWN',
    503,
    'the service is shutting down: send the request again (another instance will take it)',
    retryAfterSeconds === undefined ? {} : { retryAfterSeconds },
  );
}

export function readBody(payload: Readable, options: ReadBodyOptions): Promise<ReadBody> {
  const { coding, maxBytes, reservation } = options;
  return new Promise<ReadBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let finished = false;
    const gunzip: Gunzip | null = coding === 'gzip' ? createGunzip() : null;

    const cleanup = () => {
      finished = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onClientGone);
      payload.off('aborted', onClientGone);
      payload.off('close', onClose);
      if (gunzip) {
        gunzip.off('data', onDecoded);
        gunzip.off('end', done);
        gunzip.off('error', onGzipError);
      }
    };
    const fail = (err: Error) => {
      if (finished) return;
      cleanup();
      // The rest of the body is not read: the connection is closed after the answer (see logs.ts).
      payload.pause();
      gunzip?.destroy();
      chunks.length = 0;
      reject(err);
    };
    const done = () => {
      if (finished) return;
      cleanup();
      // The gzip bytes are gone once decompressed: only the output stays in memory.
      if (gunzip) reservation.shrink(received);
      resolve({ body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, decoded), received });
    };

    const onData = (chunk: Buffer) => {
      received += chunk.length;
      options.onReceived?.(chunk.length);
      if (received > maxBytes) return fail(tooLarge('the body', maxBytes));
      if (!reservation.grow(chunk.length)) return fail(options.overloaded());
      if (gunzip) {
        if (!gunzip.write(chunk)) {
          payload.pause();
          gunzip.once('drain', () => {
            if (!finished) payload.resume();
          });
        }
      } else {
        chunks.push(chunk);
        decoded += chunk.length;
      }
    };
    const onDecoded = (chunk: Buffer) => {
      decoded += chunk.length;
      if (decoded > maxBytes) return fail(tooLarge('the decompressed body', maxBytes));
      if (!reservation.grow(chunk.length)) return fail(options.overloaded());
      chunks.push(chunk);
    };
    const onGzipError = (err: Error) =>
      fail(new IngestError('WEIR_INGEST_BAD_GZIP', 400, `Content-Encoding is gzip but the body does not decompress: ${err.message}`, { cause: err }));
    const onEnd = () => (gunzip ? gunzip.end() : done());
    const onClientGone = () => fail(new IngestError('WEIR_INGEST_BAD_REQUEST', 400, 'the client closed the connection before the whole body arrived'));
    const onClose = () => {
      // 'close' after 'end' is normal; before it, the client went away mid-body.
      if (!payload.readableEnded) onClientGone();
    };
    const onAbort = () => fail(options.signal.reason instanceof Error ? options.signal.reason : shuttingDown());

    const timer = setTimeout(() => fail(bodyTimeout(options.timeoutMs)), Math.max(0, options.timeoutMs));
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (gunzip) {
      gunzip.on('data', onDecoded);
      gunzip.on('end', done);
      gunzip.on('error', onGzipError);
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onClientGone);
    payload.on('aborted', onClientGone);
    payload.on('close', onClose);
  });
}
