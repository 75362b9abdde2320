import Fastify, { type FastifyInstance } from 'fastify';
import type { DashboardModel } from './dashboard-model.js';
import { dashboardPage } from './page.js';

export interface DashboardServerOptions {
  model: DashboardModel;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default: the page shows client IPs and is not meant for the open network. */
  host?: string;
  /** How often the page gets a new snapshot. */
  intervalMs?: number;
}

export interface DashboardServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Serves the live page, its snapshot as JSON, and a Server-Sent Events stream of snapshots. */
export async function startDashboard(options: DashboardServerOptions): Promise<DashboardServer> {
  const { model } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const app = Fastify({ logger: false });
  const streams = new Set<NodeJS.WritableStream>();

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(dashboardPage));
  app.get('/api/snapshot', async () => model.snapshot());
  app.get('/events', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    reply.raw.write(`data: ${JSON.stringify(model.snapshot())}\n\n`);
    streams.add(reply.raw);
    request.raw.on('close', () => streams.delete(reply.raw));
  });

  const timer = setInterval(() => {
    if (streams.size === 0) return;
    const message = `data: ${JSON.stringify(model.snapshot())}\n\n`;
    for (const stream of streams) stream.write(message);
  }, intervalMs);
  timer.unref();

  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return {
    url: address.replace('[::1]', 'localhost') + '/',
    app,
    async close() {
      clearInterval(timer);
      for (const stream of streams) stream.end();
      streams.clear();
      await app.close();
    },
  };
}
