import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { AgentSessionRow } from '../../../api-types.ts';

/** A session row as `GET /api/agents/sessions` returns it: totals, tokens by kind, what caching saved. */
export interface AgentSession extends AgentSessionRow {
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cache_hit_rate: number;
  /** Null when a model of the session has no price. */
  cost_without_cache_usd: number | null;
}

export interface AgentSessionsParams {
  from: number;
  to: number;
  sort: 'started' | 'cost';
  agent?: string;
}

export const getAgentSessions = (p: AgentSessionsParams, signal?: AbortSignal) =>
  apiGet<{ data: AgentSession[] }>('/api/agents/sessions', { ...p, limit: 200 }, signal);

export const agentSessionsQueryOptions = (p: AgentSessionsParams) => queryOptions({
  queryKey: ['agent-sessions', p.from, p.to, p.sort, p.agent ?? ''],
  queryFn: ({ signal }) => getAgentSessions(p, signal),
  placeholderData: keepPreviousData,
});

export const useAgentSessions = (p: AgentSessionsParams) => useQuery(agentSessionsQueryOptions(p));
