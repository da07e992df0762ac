import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminAuth } from '../data-dir.ts';
import { ApiError } from '../errors.ts';
import { checkCsrf, credentialOf, requireCredential } from './api-auth.ts';
import { SESSION_COOKIE, SESSION_MAX_AGE_S, type LoginSessions } from './login-sessions.ts';

export interface LoginRoutesOptions {
  admin: AdminAuth;
  sessions: LoginSessions;
}

/** Behind TLS termination the proxy says https in X-Forwarded-Proto; the cookie must then be Secure. */
function cameOverHttps(request: FastifyRequest): boolean {
  const forwarded = String(request.headers['x-forwarded-proto'] ?? '').split(',', 1)[0]!.trim().toLowerCase();
  return request.protocol === 'https' || forwarded === 'https';
}

const cookieOptions = (request: FastifyRequest) =>
  ({ httpOnly: true, sameSite: 'strict', path: '/', secure: cameOverHttps(request) }) as const;

/**
 * `/api/session`: the UI trades the admin token once for an HttpOnly session cookie (users
 * and passwords will extend the same endpoint). These routes check credentials themselves;
 * `public` keeps the API's auth hook out of their way.
 */
export async function loginRoutes(app: FastifyInstance, opts: LoginRoutesOptions): Promise<void> {
  const { admin, sessions } = opts;

  app.post('/api/session', { config: { public: true } }, async (request, reply) => {
    const token = (request.body as { token?: unknown } | null | undefined)?.token;
    if (typeof token !== 'string' || token === '') throw new ApiError('invalid_body', 'Send JSON { "token": "<admin token>" }.');
    if (!admin.check(token)) throw new ApiError('unauthorized', 'That is not the admin token.');
    const id = sessions.create();
    void reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions(request), maxAge: SESSION_MAX_AGE_S });
    return reply.code(204).send();
  });

  app.get('/api/session', { config: { public: true } }, async (request) => {
    requireCredential(credentialOf(request, admin, sessions));
    return { authenticated: true, role: 'admin' };
  });

  // Always ends with the cookie cleared; a live cookie session must still prove it is not a forged request.
  app.delete('/api/session', { config: { public: true } }, async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (sessions.isValid(id)) {
      checkCsrf(request, 'cookie');
      sessions.delete(id);
    }
    void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return reply.code(204).send();
  });
}
