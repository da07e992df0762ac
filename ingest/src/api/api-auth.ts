import type { FastifyRequest } from 'fastify';
import type { AdminAuth } from '../data-dir.ts';
import { ApiError } from '../errors.ts';
import { SESSION_COOKIE, type LoginSessions } from './login-sessions.ts';

export type ApiCredential = 'bearer' | 'cookie';

export const CSRF_HEADER = 'x-periscope-csrf';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Who is calling: the admin token as a bearer, else a UI session cookie. A request that
 * sends an Authorization header is judged by it alone, so a wrong token never falls back
 * to a cookie the browser happened to send.
 */
export function credentialOf(request: FastifyRequest, admin: AdminAuth, sessions: LoginSessions): ApiCredential | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    return m && admin.check(m[1]!) ? 'bearer' : null;
  }
  return sessions.isValid(request.cookies[SESSION_COOKIE]) ? 'cookie' : null;
}

/**
 * A browser attaches the cookie to any request to this origin, including a form another site
 * posts; it cannot add a custom header across origins without a CORS preflight, which this
 * API never grants. So a cookie-authenticated request that changes state must carry the
 * header; bearer requests cannot be forged that way and need not.
 */
export function checkCsrf(request: FastifyRequest, credential: ApiCredential): void {
  if (credential === 'cookie' && STATE_CHANGING.has(request.method) && request.headers[CSRF_HEADER] !== '1') {
    throw new ApiError('forbidden', 'Requests authenticated by the session cookie that change state must send the header "X-Periscope-CSRF: 1".');
  }
}

export function requireCredential(credential: ApiCredential | null): ApiCredential {
  if (!credential) throw new ApiError('unauthorized', 'Send "Authorization: Bearer <admin token>" or sign in (POST /api/session).');
  return credential;
}
