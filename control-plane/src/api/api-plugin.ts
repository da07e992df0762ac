import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { ApiError } from '../errors.ts';
import type { AdminAuth } from './admin-auth.ts';
import { principalOf, readableProjects } from './access.ts';
import { accountRoutes } from './account-routes.ts';
import { alertRoutes } from './alert-routes.ts';
import { agentRoutes } from './agent-routes.ts';
import { authenticate, checkCsrf, requireCredential } from './api-auth.ts';
import { breakdownRoutes } from './breakdown-routes.ts';
import { keyRoutes } from './key-routes.ts';
import { LoginSessions } from './login-sessions.ts';
import { loginRoutes } from './login-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { one, type Query } from './query-params.ts';
import { ExportSlots } from '../reports/export-slots.ts';
import { QueryRateLimit } from '../reports/query-rate-limit.ts';
import { reportRoutes } from '../reports/report-routes.ts';
import { sqlRoutes } from '../reports/sql-routes.ts';
import { requestRoutes } from './request-routes.ts';
import { sessionRoutes } from './session-routes.ts';

export interface ApiOptions {
  store: Store;
  admin: AdminAuth;
  keySecret: Buffer;
  /** Called after a key changed so the proxy sees it at once, not at the next poll. */
  onKeysChanged: () => Promise<void>;
  /** UI sign-ins; one store per process unless a test shares one. */
  loginSessions?: LoginSessions;
  /** The config in effect (hot reloads apply): alert budgets and notification policy. */
  config: () => PeriscopeConfig;
  /** Called after an alert rule changed so this process's evaluator picks it up at once. */
  onAlertRulesChanged?: (ruleId: string) => void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks credentials itself (sign-in). */
    public?: boolean;
  }
}

/**
 * `/api/*`: the read API over logged requests, the overview, keys and accounts. Every route
 * but signing in needs a credential (the admin token as a bearer, or a session cookie from
 * signing in with it or with an account), and every read is bounded by the caller's projects
 * (see access.ts).
 */
export async function apiPlugin(app: FastifyInstance, opts: ApiOptions): Promise<void> {
  const { store, admin } = opts;
  const sessions = opts.loginSessions ?? new LoginSessions();
  const auth = { admin, sessions, store };

  await app.register(fastifyCookie);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const principal = requireCredential(await authenticate(request, auth));
    checkCsrf(request, principal.via);
    request.principal = principal;
  });

  /** An admin's "every project" is every project that has a gateway key. */
  async function projectsFor(request: FastifyRequest): Promise<string[]> {
    return readableProjects(principalOf(request), one(request.query as Query, 'project'), async () => {
      const keys = await store.listKeys();
      return [...new Set(keys.map((k) => k.project_id))];
    });
  }

  await app.register(loginRoutes, auth);
  for (const routes of [requestRoutes, metricsRoutes, sessionRoutes, breakdownRoutes]) await app.register(routes, { store, projectsFor });
  await app.register(keyRoutes, { store, projectsFor, keySecret: opts.keySecret, onKeysChanged: opts.onKeysChanged });
  await app.register(agentRoutes, { store, projectsFor, config: opts.config, keySecret: opts.keySecret });
  await app.register(accountRoutes, { store, sessions });
  await app.register(alertRoutes, { store, projectsFor, keySecret: opts.keySecret, config: opts.config, onRulesChanged: opts.onAlertRulesChanged });
  const rateLimit = new QueryRateLimit(() => opts.config().reports.queries_per_minute);
  const exportSlots = new ExportSlots(() => opts.config().reports.exports_per_user);
  await app.register(sqlRoutes, { store, projectsFor, config: opts.config, rateLimit, exportSlots });
  await app.register(reportRoutes, { store, projectsFor, keySecret: opts.keySecret, config: opts.config, rateLimit, exportSlots });

  app.all('/api/*', async (request) => {
    throw new ApiError('not_found', `Unknown API route: ${request.method} ${request.url.split('?', 1)[0]}`);
  });
}
