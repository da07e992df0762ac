import type { RangeQuery, TimeRange } from './analytics.ts';
export type { ModelUsage, AgentSessionRow } from '@periscope/contract/api';

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
