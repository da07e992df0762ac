import type { FastifyRequest } from 'fastify';
import type { Store } from '@periscope/clickhouse';
import type { AdminAuth } from './admin-auth.ts';
import { ApiError } from '../errors.ts';
import type { Principal } from './access.ts';
import { SESSION_COOKIE, type LoginSessions } from './login-sessions.ts';

export const CSRF_HEADER = 'x-periscope-csrf';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthDeps {
  admin: AdminAuth;
  sessions: LoginSessions;
  store: Store;
}

const adminToken = (via: Principal['via']): Principal => ({ role: 'admin', projects: null, account_id: null, email: null, via });

/**
 * Who is calling: the admin token as a bearer, else a UI session cookie. A request that
 * sends an Authorization header is judged by it alone, so a wrong token never falls back
 * to a cookie the browser happened to send. Gateway keys are not API credentials. An
 * account's role and projects are read from the store on every request, so a change or a
 * deletion applies at once (the accounts table is tiny; this is one point lookup).
 */
export async function authenticate(request: FastifyRequest, deps: AuthDeps): Promise<Principal | null> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    return m && deps.admin.check(m[1]!) ? adminToken('bearer') : null;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  const subject = deps.sessions.get(cookie);
  if (!subject) return null;
  if (subject.kind === 'admin_token') return adminToken('cookie');
  const account = await deps.store.getAccount(subject.account_id);
  if (!account) {
    deps.sessions.deleteAccount(subject.account_id);
    return null;
  }
  return {
    role: account.role,
    projects: account.role === 'admin' ? null : account.project_ids,
    account_id: account.account_id,
    email: account.email,
    via: 'cookie',
  };
}

/**
 * A browser attaches the cookie to any request to this origin, including a form another site
 * posts; it cannot add a custom header across origins without a CORS preflight, which this
 * API never grants. So a cookie-authenticated request that changes state must carry the
 * header; bearer requests cannot be forged that way and need not.
 */
export function checkCsrf(request: FastifyRequest, via: Principal['via']): void {
  if (via === 'cookie' && STATE_CHANGING.has(request.method) && request.headers[CSRF_HEADER] !== '1') {
    throw new ApiError('forbidden', 'Requests authenticated by the session cookie that change state must send the header "X-Periscope-CSRF: 1".');
  }
}

export function requireCredential(principal: Principal | null): Principal {
  if (!principal) throw new ApiError('unauthorized', 'Send "Authorization: Bearer <admin token>" or sign in (POST /api/session).');
  return principal;
}
