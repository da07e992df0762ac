import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { StoreError } from '@periscope/clickhouse';
import { ApiError } from './errors.ts';
import { STATUS_PAGE } from './status-page.ts';

/** Strips query strings from logged URLs: some providers put keys there (`?key=`). */
const requestSerializer = (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?', 1)[0] });

export interface HttpServer {
  app: FastifyInstance;
  registry: Registry;
}

/**
 * What every role's HTTP server shares: logging without secrets, the API error shape,
 * /metrics, /healthz (ready when `ready` resolves) and the page at `/`.
 */
export function createHttpServer(logger: FastifyServerOptions['logger'] | undefined, ready: () => Promise<void>): HttpServer {
  const app = Fastify({
    logger: logger === undefined ? { level: 'info', serializers: { req: requestSerializer } } : logger,
    // Streams of reasoning models can run for many minutes.
    requestTimeout: 0,
    bodyLimit: 1024 * 1024,
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'periscope_' });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    // Store errors carry their own code and status (invalid_cursor 400, store_unavailable 503).
    const err: { code: string; status: number; message: string } = error instanceof ApiError || error instanceof StoreError ? error
      : error.statusCode && error.statusCode < 500 ? new ApiError('invalid_body', error.message)
      : new ApiError('internal_error', 'Internal error.');
    if (err.status >= 500) request.log.error({ err: error }, 'API error');
    const message = err.status >= 500 && err.code === 'query_failed' ? 'Internal error.' : err.message;
    void reply.code(err.status).send({ error: { code: err.code, message } });
  });
  app.get('/healthz', async (_req, reply) => {
    try {
      await ready();
      return { status: 'ok' };
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', reason: (err as Error).message });
    }
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/', async (_req, reply) => reply.type('text/html').send(STATUS_PAGE));
  return { app, registry };
}
