import type { RangeQuery, TimeRange } from './analytics.ts';

/**
 * Coding-agent sessions: calls that carry a session id and the `agent` property the gateway
 * sets from the agent's user-agent (Claude Code, Codex, Gemini CLI, the OpenAI Agents SDK).
 */
export interface AgentSessionsQuery extends RangeQuery {
  /** One agent (`claude-code`, `codex`, ...); every agent when absent. */
  agent?: string;
  /** `started` (newest first, the default) or `cost` (most expensive first). */
  sort?: 'started' | 'cost';
  /** 1..500, default 100. */
  limit?: number;
}

/** Token and cost totals of one model inside a session: the caller prices what caching saved. */
export interface ModelUsage {
  provider: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
}

export interface AgentSessionRow {
  session_id: string;
  project_id: string;
  agent: string;
  agent_version: string;
  user_id: string;
  /** Calls (turns, subagent calls included). */
  requests: number;
  errors: number;
  /** Upstream attempts beyond the first, over every call. */
  retries: number;
  /** Distinct subagent paths (calls with a session_path). */
  subagents: number;
  cost_usd: number;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  models: ModelUsage[];
}

export interface AgentSessionDetailQuery extends TimeRange {
  projectIds: string[];
  session_id: string;
}

/** Per call of a session: what the session view needs beyond the request row. */
export interface AgentTurnExtras {
  request_id: string;
  /** Tool calls in the answer (counted in the stored response body). */
  tool_calls: number;
}

export interface ModelsSeenRow {
  provider: string;
  model: string;
  model_served: string;
  requests: number;
  /** Calls whose cost was unknown when they were logged. */
  unpriced_requests: number;
  last_seen: string;
}
