import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { AggregatorRegistry, collectDefaultMetrics, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { StoreError } from '@periscope/clickhouse';
import { capOldSpaceGrowth, detachOneArrayBuffer, IdlePoll, redactSecrets, type IdleScavenge } from '@periscope/proxy';
import { ApiError } from '@periscope/control-plane';
import { lazyChildLogger } from './lazy-child-logger.ts';
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

/**
 * Has every connection learn its peer's address on its first request, whatever that request
 * is. Node caches the address on the socket as a property added then, and the keep-alive timer
 * adds one after each answer: a connection that got the address only on a later request (it
 * served /healthz, /metrics or a relayed API request first, then calls) has other hidden
 * classes than one whose first request was a call, and the call path's optimized code, compiled
 * for those alone, is thrown away when it meets one (docs/benchmarks.md, "The store relay's
 * warm-up").
 */
function learnPeerAddress(request: FastifyRequest, _reply: unknown, done: () => void): void {
  // The getter reads the address once and caches it on the socket.
  void request.raw.socket.remoteAddress;
  done();
}

const unlogged = (logged: (request: FastifyRequest) => boolean) => (request: FastifyRequest) => !logged(request);

export interface HttpServer {
  app: FastifyInstance;
  registry: Registry;
}

export type ProcessMetrics = MetricObjectWithValues<MetricValue<string>>[];

export interface HttpServerOptions {
  /** Serve the web UI at `/` (servers that hold the API); else a status page, unless `rewriteUrl` routes `/` elsewhere. */
  ui?: UiOptions;
  /** Replaces the UI's URL rewrite (the gateway of `periscope start` sends non-gateway pages to its store process). */
  rewriteUrl?: (req: IncomingMessage) => string;
  /** Prefix of this process's default series (CPU, memory, event loop), so two processes' series never collide. */
  processMetricsPrefix?: string;
  /** Series of another process to serve with this one's (summed where both have a series). */
  moreMetrics?: () => Promise<ProcessMetrics | undefined>;
  /** Believe X-Forwarded-For: only for a server that nothing but Periscope's own gateway process can reach. */
  trustForwardedFor?: boolean;
  /**
   * One log line per request (or per request the function picks). Off on gateway hosts: every
   * call is a row already, and the lines cost CPU per call.
   */
  accessLog?: boolean | ((request: FastifyRequest) => boolean);
  /** A gateway's `gateway.idle_poll_ms`: keep the event loop polling this long after each request. */
  idlePollMs?: number;
  /** A gateway's `gateway.scavenge_between_calls`: told when each call starts and ends. */
  idleScavenge?: IdleScavenge;
  /** A gateway's `gateway.old_space_growth_percent` (capOldSpaceGrowth). */
  oldSpaceGrowthPercent?: number;
}

/**
 * What every role's HTTP server shares: logging without secrets, the API error shape,
 * security headers on the API and UI, /metrics, /healthz (ready when `ready` resolves), and
 * at `/` the web UI when `ui` is given (roles that serve the API) or else a status page.
 */
export function createHttpServer(logger: FastifyServerOptions['logger'] | undefined, ready: () => Promise<void>, opts: HttpServerOptions = {}): HttpServer {
  const rewriteUrl = opts.rewriteUrl ?? (opts.ui ? uiRewrite(opts.ui.isGatewayPrefix) : undefined);
  const app = Fastify({
    // Whatever logger options a caller gives (tests give a stream), URLs are logged scrubbed.
    logger: logger === false ? false : { level: 'info', ...(typeof logger === 'object' ? logger : {}), serializers: { req: requestSerializer } },
    childLoggerFactory: lazyChildLogger,
    logController: new LogController({ disableRequestLogging: typeof opts.accessLog === 'function' ? unlogged(opts.accessLog) : opts.accessLog === false }),
    // Streams of reasoning models can run for many minutes.
    requestTimeout: 0,
    bodyLimit: 1024 * 1024,
    trustProxy: opts.trustForwardedFor ?? false,
    ...(rewriteUrl ? { rewriteUrl } : {}),
  });
  if (opts.idlePollMs) {
    // A hook rather than the server's 'request' event: listening on `localhost`, Fastify serves
    // the second loopback address from a server of its own.
    const poll = new IdlePoll(opts.idlePollMs);
    app.addHook('onRequest', (_request, _reply, done) => {
      poll.touch();
      done();
    });
    app.addHook('onClose', (_instance, done) => {
      poll.stop();
      done();
    });
  }
  if (opts.oldSpaceGrowthPercent !== undefined) capOldSpaceGrowth(opts.oldSpaceGrowthPercent);
  detachOneArrayBuffer();
  const scavenge = opts.idleScavenge;
  if (scavenge) {
    app.addHook('onRequest', (_request, reply, done) => {
      scavenge.started();
      // 'close' comes once per response, sent or abandoned: a call the client left ends too.
      // `on`, not `once`: Node emits it once anyway, and once's wrapper would stay with an open stream.
      reply.raw.on('close', scavenge.ended);
      done();
    });
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: opts.processMetricsPrefix ?? 'periscope_' });
  app.addHook('onRequest', learnPeerAddress);
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
  app.get('/metrics', async (_req, reply) => {
    const more = await opts.moreMetrics?.().catch(() => undefined);
    if (!more) return reply.type(registry.contentType).send(await registry.metrics());
    const merged = AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), more]);
    return reply.type(merged.contentType).send(await merged.metrics());
  });
  if (opts.ui) void app.register(registerUi, opts.ui);
  else if (!opts.rewriteUrl) app.get('/', async (_req, reply) => reply.type('text/html').send(STATUS_PAGE));
  return { app, registry };
}
