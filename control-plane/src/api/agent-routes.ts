import type { FastifyInstance } from 'fastify';
import type { AgentSessionRow, ModelUsage } from '@periscope/clickhouse';
import { AuthFailureGuard, bearerValue, createPriceBook, type PriceBook } from '@periscope/proxy';
import { hashGatewayKey, type PeriscopeConfig } from '@periscope/contract';
import { ApiError } from '../errors.ts';
import { int, one, oneOf, type Query } from './query-params.ts';
import type { ReadRoutesOptions } from './read-routes-options.ts';
import { parseRangeQuery, parseTimeRange } from './request-filters.ts';
import { unpricedModels } from './unpriced-models.ts';

export interface AgentRoutesOptions extends ReadRoutesOptions {
  config: () => PeriscopeConfig;
  keySecret: Buffer;
}

type Tokens = Pick<ModelUsage, 'prompt_tokens' | 'cache_read_tokens' | 'cache_write_tokens' | 'cost_usd'>;

/**
 * What the calls would have cost without prompt caching, at today's base prices: cache reads
 * and writes billed as plain input. Null when the model has no price. Long-context tiers are
 * not applied here (they are per call; a session's sums cannot choose one).
 */
function costWithoutCaching(book: PriceBook, config: PeriscopeConfig, provider: string, model: string, u: Tokens): number | null {
  const type = config.providers[provider]?.type ?? provider;
  const price = book.priceFor(type, model);
  if (!price) return null;
  const extra = u.cache_read_tokens * (price.input - (price.cache_read ?? price.input)) + u.cache_write_tokens * (price.input - (price.cache_write ?? price.input));
  return Math.round((u.cost_usd + extra / 1e6) * 1e10) / 1e10;
}

const hitRate = (u: { prompt_tokens: number; cache_read_tokens: number }) => (u.prompt_tokens > 0 ? u.cache_read_tokens / u.prompt_tokens : 0);

function withSavings(s: AgentSessionRow, book: PriceBook, config: PeriscopeConfig) {
  let uncached: number | null = 0;
  const sum = { prompt_tokens: 0, completion_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
  for (const m of s.models) {
    const c = costWithoutCaching(book, config, m.provider, m.model, m);
    uncached = uncached === null || c === null ? null : uncached + c;
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += m[k];
  }
  return { ...s, ...sum, cache_hit_rate: hitRate(sum), cost_without_cache_usd: uncached };
}

/**
 * The Agents view (sessions of coding agents: by agent, user and day, the most expensive, one
 * session turn by turn), `prices check`, and the status line's narrow read: a gateway key may
 * read the totals of its own session, nothing else.
 */
export async function agentRoutes(app: FastifyInstance, { store, projectsFor, config, keySecret }: AgentRoutesOptions): Promise<void> {
  const priceBook = () => createPriceBook(config().pricing);

  app.get('/api/agents/sessions', async (request) => {
    const q = request.query as Query;
    const book = priceBook();
    const rows = await store.listAgentSessions({
      ...parseRangeQuery(q, await projectsFor(request)), agent: one(q, 'agent'), sort: oneOf(q, 'sort', ['started', 'cost'] as const), limit: int(q, 'limit', 1, 500),
    });
    return { data: rows.map((s) => withSavings(s, book, config())) };
  });

  app.get('/api/agents/sessions/:id', async (request) => {
    const { id } = request.params as { id: string };
    const q = request.query as Query;
    const projectIds = await projectsFor(request);
    const range = parseTimeRange(q);
    const [session, extras, summary] = await Promise.all([
      store.getSession({ projectIds, session_id: id, ...range }),
      store.agentTurnExtras({ projectIds, session_id: id, ...range }),
      store.listAgentSessions({ projectIds, session_id: id, ...range, limit: 1 }),
    ]);
    if (!session) throw new ApiError('not_found', `No calls of session ${id} in this time range`);
    const toolCalls = new Map(extras.map((e) => [e.request_id, e.tool_calls]));
    const book = priceBook();
    const cfg = config();
    return {
      ...session,
      summary: summary[0] ? withSavings(summary[0], book, cfg) : null,
      turns: session.requests.map((r) => ({
        request_id: r.request_id, created_at: r.created_at, model: r.model, session_path: r.session_path, status: r.status, error_type: r.error_type,
        latency_ms: r.latency_ms, attempts: r.attempts, prompt_tokens: r.prompt_tokens, completion_tokens: r.completion_tokens,
        cache_read_tokens: r.cache_read_tokens, cache_write_tokens: r.cache_write_tokens, reasoning_tokens: r.reasoning_tokens,
        cost_usd: r.cost_usd, cost_without_cache_usd: costWithoutCaching(book, cfg, r.provider, r.model_served || r.model, r),
        cache_hit_rate: hitRate(r), prompt_cache_expected: r.prompt_cache_expected, prompt_cache_miss_reason: r.prompt_cache_miss_reason,
        tool_calls: toolCalls.get(r.request_id) ?? 0,
      })),
    };
  });

  app.get('/api/agents/unpriced', async (request) => {
    const days = int(request.query as Query, 'days', 1, 400) ?? 7;
    return { days, data: await unpricedModels(store, config(), await projectsFor(request), days) };
  });

  // The status line runs on the agent user's machine with the gateway key Claude Code already
  // has: it may read the totals of one session made with that key, in its project, and no more.
  const failures = new AuthFailureGuard(30);
  app.get('/api/agents/own-session', { config: { public: true } }, async (request) => {
    if (failures.blockedFor(request.ip) > 0) throw new ApiError('too_many_requests', 'Too many failed authentications from this address; try again later.');
    const presented = bearerValue(request.headers.authorization) ?? bearerValue(request.headers['periscope-auth'] as string | undefined);
    const key = presented ? await store.findKeyByHash(hashGatewayKey(keySecret, presented)) : null;
    const now = Date.now();
    if (!key || key.revoked_at !== null || (key.expires_at !== null && key.expires_at <= now)) {
      failures.failed(request.ip);
      throw new ApiError('unauthorized', 'Send "Authorization: Bearer <gateway key>".');
    }
    const sessionId = one(request.query as Query, 'session_id');
    if (!sessionId) throw new ApiError('invalid_query', 'session_id is required');
    const [found] = await store.listAgentSessions({ projectIds: [key.project_id], key_id: key.key_id, session_id: sessionId, from: now - 7 * 86_400_000, to: now + 60_000, limit: 1 });
    const cfg = config();
    const s = found ? withSavings(found, priceBook(), cfg) : undefined;
    return {
      session_id: sessionId,
      requests: s?.requests ?? 0,
      cost_usd: s?.cost_usd ?? 0,
      cost_without_cache_usd: s ? s.cost_without_cache_usd : 0,
      cache_hit_rate: s?.cache_hit_rate ?? 0,
      budget_left_usd: budgetLeft(cfg, key, s),
    };
  });
}

/** The tightest per-session dollar budget that applies to this key's session, less what the session spent. */
function budgetLeft(config: PeriscopeConfig, key: { key_id: string; project_id: string }, s: (AgentSessionRow & { cost_usd: number }) | undefined): number | null {
  let left: number | null = null;
  const models = new Set(s?.models.map((m) => m.model) ?? []);
  for (const rule of config.limits) {
    const limit = rule.per_session?.budget_usd;
    if (limit === undefined) continue;
    const { match } = rule;
    const fits = (want: string | undefined, have: string) => want === undefined || want === '*' || want === have;
    if (!fits(match.key, key.key_id) || !fits(match.project, key.project_id) || !fits(match.user, s?.user_id ?? '')) continue;
    if (match.model !== undefined && match.model !== '*' && !models.has(match.model)) continue;
    const remaining = Math.max(0, limit - (s?.cost_usd ?? 0));
    left = left === null ? remaining : Math.min(left, remaining);
  }
  return left;
}
