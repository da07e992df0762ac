import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { StoreError } from '@periscope/clickhouse';
import { redactSecrets } from '@periscope/proxy';
import { ApiError } from './errors.ts';
import { STATUS_PAGE } from './status-page.ts';
import { securityHeaders } from './security-headers.ts';
import { registerUi, UI_ROUTE, uiRewrite, type UiOptions } from './ui-static.ts';

/**
 * Strips query strings from logged URLs (some providers put keys there: `?key=`) and scrubs
 * key-shaped strings from the path, as bodies are scrubbed. Logs the URL as sent, not as the
 * UI rewrite routed it.
 */
const requestSerializer = (req: { method: string; url: string; originalUrl?: string }) => ({
  method: req.method,
  url: redactSecrets((req.originalUrl ?? req.url).split('?', 1)[0]!),
});

export interface HttpServer {
  app: FastifyInstance;
  registry: Registry;
}

/**
 * What every role's HTTP server shares: logging without secrets, the API error shape,
 * security headers on the API and UI, /metrics, /healthz (ready when `ready` resolves), and
 * at `/` the web UI when `ui` is given (roles that serve the API) or else a status page.
 */
export function createHttpServer(logger: FastifyServerOptions['logger'] | undefined, ready: () => Promise<void>, ui?: UiOptions): HttpServer {
  const app = Fastify({
    // Whatever logger options a caller gives (tests give a stream), URLs are logged scrubbed.
    logger: logger === false ? false : { level: 'info', ...(typeof logger === 'object' ? logger : {}), serializers: { req: requestSerializer } },
    // Streams of reasoning models can run for many minutes.
    requestTimeout: 0,
    bodyLimit: 1024 * 1024,
    ...(ui ? { rewriteUrl: uiRewrite(ui.isGatewayPrefix) } : {}),
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'periscope_' });
  app.addHook('onRequest', securityHeaders(UI_ROUTE));

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    // Store errors carry their own code and status (invalid_cursor 400, store_unavailable 503).
    const err: { code: string; status: number; message: string } = error instanceof ApiError || error instanceof StoreError ? error
      // JSON.parse quotes the start of the body in its message, and a sign-in body holds the admin token.
      : (error as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? new ApiError('invalid_body', 'The body is not valid JSON.')
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
  if (ui) void app.register(registerUi, ui);
  else app.get('/', async (_req, reply) => reply.type('text/html').send(STATUS_PAGE));
  return { app, registry };
}
