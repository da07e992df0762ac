import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthFailureGuard } from '@periscope/proxy';
import { ApiError } from '../errors.ts';
import { authenticate, checkCsrf, requireCredential, type AuthDeps } from './api-auth.ts';
import { SESSION_COOKIE, SESSION_MAX_AGE_S, type SessionSubject } from './login-sessions.ts';
import { startDecoyHash, verifyPassword } from './passwords.ts';

/** Failed sign-ins one client address may make per minute before it gets 429 until the minute ends. */
export const MAX_SIGN_IN_FAILURES_PER_MINUTE = 10;

/** Behind TLS termination the proxy says https in X-Forwarded-Proto; the cookie must then be Secure. */
function cameOverHttps(request: FastifyRequest): boolean {
  const forwarded = String(request.headers['x-forwarded-proto'] ?? '').split(',', 1)[0]!.trim().toLowerCase();
  return request.protocol === 'https' || forwarded === 'https';
}

const cookieOptions = (request: FastifyRequest) =>
  ({ httpOnly: true, sameSite: 'strict', path: '/', secure: cameOverHttps(request) }) as const;

/**
 * `/api/session`: the UI trades the admin token, or an account's email and password, once
 * for an HttpOnly session cookie. These routes check credentials themselves; `public` keeps
 * the API's auth hook out of their way.
 */
export async function loginRoutes(app: FastifyInstance, deps: AuthDeps): Promise<void> {
  const { admin, sessions, store } = deps;
  const failures = new AuthFailureGuard(MAX_SIGN_IN_FAILURES_PER_MINUTE);
  const decoy = startDecoyHash();
  app.addHook('onReady', async () => {
    await decoy;
  });

  /** The subject the credentials in the body prove, or null; never says which part was wrong. */
  async function subjectOf(body: { token?: unknown; email?: unknown; password?: unknown }): Promise<SessionSubject | null> {
    if (typeof body.token === 'string' && body.token !== '') return admin.check(body.token) ? { kind: 'admin_token' } : null;
    if (typeof body.email !== 'string' || typeof body.password !== 'string' || body.email === '' || body.password === '') {
      throw new ApiError('invalid_body', 'Send JSON { "email": "...", "password": "..." } or { "token": "<admin token>" }.');
    }
    const account = body.email.length <= 254 ? await store.findAccountByEmail(body.email.trim()) : null;
    // An unknown email costs the same scrypt as a known one, so timing does not reveal accounts.
    const ok = await verifyPassword(body.password, account?.password_hash ?? (await decoy));
    return account && ok ? { kind: 'account', account_id: account.account_id } : null;
  }

  app.post('/api/session', { config: { public: true } }, async (request, reply) => {
    const blockedFor = failures.blockedFor(request.ip);
    if (blockedFor > 0) {
      void reply.header('retry-after', String(blockedFor));
      throw new ApiError('too_many_requests', 'Too many failed sign-ins from this address; try again later.');
    }
    const subject = await subjectOf((request.body ?? {}) as Record<string, unknown>);
    if (!subject) {
      failures.failed(request.ip);
      throw new ApiError('unauthorized', 'Wrong email or password, or not the admin token.');
    }
    const id = sessions.create(subject);
    void reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions(request), maxAge: SESSION_MAX_AGE_S });
    return reply.code(204).send();
  });

  app.get('/api/session', { config: { public: true } }, async (request) => {
    const p = requireCredential(await authenticate(request, deps));
    return { authenticated: true, role: p.role, email: p.email, account_id: p.account_id, projects: p.projects };
  });

  // Always ends with the cookie cleared; a live cookie session must still prove it is not a forged request.
  app.delete('/api/session', { config: { public: true } }, async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (sessions.get(id)) {
      checkCsrf(request, 'cookie');
      sessions.delete(id);
    }
    void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return reply.code(204).send();
  });
}
