/**
 * The benchmark's yardstick: a bare fastify route that takes the same body as POST /v1/logs
 * (same content types, same size limit) and answers 200 without doing anything with it. The
 * ratio ingest/baseline is then what parsing, encoding and producing cost on top of HTTP.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { ACCEPTED_TYPES } from '../services/ingest/src/index.js';

export function buildBaselineApp(maxBodyBytes: number): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: maxBodyBytes });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...ACCEPTED_TYPES], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/v1/logs', async (request) => ({ bytes: Buffer.isBuffer(request.body) ? request.body.length : 0 }));
  return app;
}
