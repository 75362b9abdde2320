/** Asking servers whether they answer: TCP connects, HTTP GETs, and polling until they do. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function tcpOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function httpGet(url: string, timeoutMs = 5_000, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    // Servers named in the environment may be remote and behind TLS.
    const request = new URL(url).protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'GET', timeout: timeoutMs, headers: { accept: 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A check that says why it is not satisfied yet; `undefined` means ready. */
export type Readiness = () => Promise<string | undefined>;

export interface WaitOptions {
  /**
   * How long the server may go without answering and without progress: on a saturated machine a
   * server starts slowly, not wrongly, so only a stall fails the wait, never a deadline.
   */
  stallMs: number;
  intervalMs?: number;
  /** Gives up early once this says the server process is gone. */
  alive?: () => boolean;
  /** Something that moves while the server works its way up (its log's size); each change restarts the stall clock. */
  progress?: () => number;
}

export type WaitResult = { ready: true } | { ready: false; reason: string; died: boolean };

export async function waitUntilReady(check: Readiness, options: WaitOptions): Promise<WaitResult> {
  let reason = 'not checked yet';
  let last = options.progress?.();
  let movedAt = Date.now();
  for (;;) {
    try {
      const why = await check();
      if (why === undefined) return { ready: true };
      reason = why;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    if (options.alive && !options.alive()) return { ready: false, reason, died: true };
    const now = options.progress?.();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt >= options.stallMs) {
      return { ready: false, reason, died: false };
    }
    await sleep(options.intervalMs ?? 500);
  }
}
