/** Raw HTTP over real sockets, for clients that misbehave: bodies trickled a byte at a time. */
import { connect, type Socket } from 'node:net';

export interface Trickler {
  socket: Socket;
  /** Bytes of body written so far. */
  sent(): number;
  /** Everything the server sent back, once it closed the connection (or we did). */
  answer: Promise<string>;
  stop(): void;
}

/**
 * Sends the request line and headers of a POST announcing `contentLength` bytes, then one body
 * byte every `everyMs` until the server answers, closes, or `stop()`.
 */
export function trickle(url: string, path: string, headers: Record<string, string>, contentLength: number, everyMs = 50): Trickler {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let sent = 0;
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  const head = [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`, `content-length: ${contentLength}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  socket.write(head);
  timer = setInterval(() => {
    if (socket.destroyed || sent >= contentLength) return;
    socket.write('x');
    sent++;
  }, everyMs);
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const answer = new Promise<string>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    });
    socket.on('error', () => undefined);
  });
  return {
    socket,
    sent: () => sent,
    answer,
    stop() {
      clearInterval(timer);
      timer = undefined;
      socket.destroy();
    },
  };
}

/** The status code of a raw HTTP answer, or null when there was none. */
export function statusOf(answer: string): number | null {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
  return match ? Number(match[1]) : null;
}
