import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The built UI loads only its own hashed files (ui/dist has no inline script). Styles allow
 * 'unsafe-inline' because ECharts and CodeMirror set style attributes and inject <style>
 * elements at run time; scripts never do. Images allow data: and blob: for the favicon and
 * chart exports.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** JSON answers are never documents: nothing in them may load, run or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const COMMON = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

/**
 * Security headers for the API and the UI (set on every answer, errors included): `/api`,
 * the UI's pages and files (`uiRoute`, where the UI rewrite sends them) and the status page
 * at `/`. Everything else is the gateway, /healthz or /metrics and is left alone: SDK
 * clients must see the providers' behaviour. No route sends CORS headers, so another
 * origin's page can neither read the API nor get a preflighted request through.
 */
export function securityHeaders(uiRoute: string) {
  const uiPrefix = `${uiRoute}/`;
  // A callback hook, not an async one: it runs on every gateway call, and an async hook costs
  // each call a promise and a turn of the microtask queue.
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const url = request.url;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const api = path === '/api' || path.startsWith('/api/');
    if (api || path === '/' || path === uiRoute || path.startsWith(uiPrefix)) {
      void reply.headers(Object.assign({}, COMMON, { 'content-security-policy': api ? API_CSP : UI_CSP }));
      if (api) void reply.header('cache-control', 'no-store');
    }
    done();
  };
}
