import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@periscope/control-plane';
import { STATUS_PAGE } from './status-page.ts';

/** The built web UI of this repository (`pnpm --filter @periscope/ui build`). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

export interface UiOptions {
  /** Directory holding index.html and assets/; default DEFAULT_UI_DIR. */
  dir?: string;
  /** Whether a first path segment belongs to the gateway (a configured provider name). */
  isGatewayPrefix?: (segment: string) => boolean;
}

/** Internal route the UI's URLs are rewritten to; never linked to. */
export const UI_ROUTE = '/__ui';
/** First path segments that are never the UI's. */
const RESERVED = new Set(['api', 'v1', 'healthz', 'metrics']);
/** Vite names these files by content hash: a changed file gets a new name, so they never go stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Fastify's rewriteUrl: decides, before routing, which GETs the UI answers. The gateway
 * registers `/:provider/*`, which would otherwise take every two-segment UI path (e.g.
 * `/sessions/abc`); deciding here keeps gateway and UI routes apart without either knowing
 * the other's paths. Everything not under /api, /v1, /healthz, /metrics or a provider name
 * goes to the UI route.
 */
export function uiRewrite(isGatewayPrefix: (segment: string) => boolean = () => false): (req: IncomingMessage) => string {
  return (req) => {
    const url = req.url ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return url;
    const first = url.split('?', 1)[0]!.split('/', 2)[1] ?? '';
    return RESERVED.has(first) || isGatewayPrefix(first) ? url : UI_ROUTE + url;
  };
}

/**
 * Serves the built UI: its files as they are (hashed assets cached for a year), and
 * index.html at / and for any other page a browser asks for, so the UI's own routes survive
 * a reload or a shared link. Without a build, those get the status page instead.
 */
export async function registerUi(app: FastifyInstance, opts: UiOptions): Promise<void> {
  const dir = resolve(opts.dir ?? DEFAULT_UI_DIR);
  await app.register(fastifyStatic, { root: dir, serve: false, suppressWarning: true });

  app.get(`${UI_ROUTE}/*`, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const file = path === '' ? undefined : await fileInside(dir, path);
    if (file) return send(reply, file, dir, file.startsWith(`assets${sep}`) ? IMMUTABLE : 'no-cache');
    if (path !== '' && !wantsPage(request)) throw new ApiError('not_found', `Not found: ${request.originalUrl.split('?', 1)[0]}`);
    if (await fileInside(dir, 'index.html')) return send(reply, 'index.html', dir, 'no-cache');
    return reply.header('cache-control', 'no-cache').type('text/html').send(STATUS_PAGE);
  });
}

function send(reply: FastifyReply, file: string, dir: string, cacheControl: string): FastifyReply {
  return reply.header('cache-control', cacheControl).sendFile(file, dir, { cacheControl: false });
}

/**
 * Browsers ask for text/html when they navigate; any other client (an SDK, a script with
 * Accept: *\/*) gets a 404 for an unknown path rather than a page it cannot use. `/` is the
 * page for everyone.
 */
function wantsPage(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** The path relative to dir when it names a regular file inside it; never a way out of it. */
async function fileInside(dir: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const full = resolve(dir, decoded);
  if (!full.startsWith(dir + sep)) return undefined;
  const info = await stat(full).catch(() => undefined);
  return info?.isFile() ? full.slice(dir.length + 1) : undefined;
}
