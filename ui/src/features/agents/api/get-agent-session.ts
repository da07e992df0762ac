import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { AgentSession } from './get-agent-sessions.ts';

/** One call of an agent session, as the turn table shows it. */
export interface AgentTurn {
  request_id: string;
  created_at: string;
  model: string;
  session_path: string;
  status: number;
  error_type: string;
  latency_ms: number;
  attempts: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  cost_without_cache_usd: number | null;
  cache_hit_rate: number;
  prompt_cache_expected: boolean;
  prompt_cache_miss_reason: string;
  tool_calls: number;
}

export interface AgentSessionDetail {
  session_id: string;
  summary: AgentSession | null;
  turns: AgentTurn[];
  truncated: boolean;
}

export const getAgentSession = (id: string, window: { from: number; to: number }, signal?: AbortSignal) =>
  apiGet<AgentSessionDetail>(`/api/agents/sessions/${encodeURIComponent(id)}`, window, signal);

export const agentSessionQueryOptions = (id: string, window: { from: number; to: number }) => queryOptions({
  queryKey: ['agent-session', id, window.from, window.to],
  queryFn: ({ signal }) => getAgentSession(id, window, signal),
});

export const useAgentSession = (id: string, window: { from: number; to: number }) => useQuery(agentSessionQueryOptions(id, window));
