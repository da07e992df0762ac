import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { WARM_UP_HEADER } from './protocol.ts';
import type { StoreProcess } from './store-process.ts';

/** Internal route the store's URLs are rewritten to; never linked to. */
export const STORE_ROUTE = '/__store';
/** First path segments the gateway process answers itself. */
const OWN = new Set(['v1', 'healthz', 'metrics']);
/** Connection-level headers: they describe one hop, never the next. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'x-forwarded-for']);

/**
 * Fastify's rewriteUrl for the gateway process: the API (every method) and pages a browser asks
 * for (GET and HEAD outside the gateway's own paths) go to the store process; gateway calls,
 * /healthz and /metrics stay. The same split the single-process server makes with the UI.
 */
export function storeRewrite(isGatewayPrefix: (segment: string) => boolean): (req: IncomingMessage) => string {
  return (req) => {
    const url = req.url ?? '/';
    const first = url.split('?', 1)[0]!.split('/', 2)[1] ?? '';
    if (first === 'api') return STORE_ROUTE + url;
    if (req.method !== 'GET' && req.method !== 'HEAD') return url;
    return OWN.has(first) || isGatewayPrefix(first) ? url : STORE_ROUTE + url;
  };
}

/**
 * Relays API and UI requests to the store process over its unix socket, bodies streamed both
 * ways. The client's address travels as X-Forwarded-For (set here, never taken from the
 * client), and a client that leaves cancels the request there too, so a long export stops.
 * WARM_UP_HEADER is never relayed as a client sent it: only as `1`, when its value was the
 * gateway's own warm-up token (warm-relay.ts).
 */
export async function forwardToStore(app: FastifyInstance, opts: { store: StoreProcess; warmUpToken: string }): Promise<void> {
  const token = Buffer.from(opts.warmUpToken);
  const isWarmUp = (value: string | string[] | undefined) => {
    const given = typeof value === 'string' ? Buffer.from(value) : undefined;
    return given?.length === token.length && timingSafeEqual(given, token);
  };
  const pool = new Pool('http://localhost', { socketPath: opts.store.socket, connections: 16, headersTimeout: 0, bodyTimeout: 0 });
  app.addHook('onClose', async () => pool.close());
  app.removeAllContentTypeParsers();
  // The body is the request stream itself: the store process parses (and limits) it.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: `${STORE_ROUTE}/*`,
    handler: async (request, reply) => {
      if (!opts.store.up) {
        return reply.code(503).header('retry-after', '2').send({ error: { code: 'store_unavailable', message: 'The store process is starting again; try again in a moment.' } });
      }
      const headers: Record<string, string | string[]> = { 'x-forwarded-for': request.ip };
      for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !HOP_BY_HOP.has(name) && name !== WARM_UP_HEADER) headers[name] = value;
      if (isWarmUp(request.headers[WARM_UP_HEADER])) headers[WARM_UP_HEADER] = '1';
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      let answer;
      try {
        answer = await pool.request({
          method: request.method as 'GET', path: request.originalUrl, headers, signal: abort.signal,
          body: hasBody ? (request.body as IncomingMessage | undefined) ?? request.raw : undefined,
        });
      } catch (err) {
        if (abort.signal.aborted) return reply.hijack();
        request.log.error({ err }, 'the store process did not answer');
        return reply.code(502).send({ error: { code: 'store_unavailable', message: 'The store process did not answer.' } });
      }
      reply.hijack();
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      reply.raw.writeHead(answer.statusCode, out);
      await pipeline(answer.body, reply.raw).catch(() => abort.abort());
    },
  });
}
