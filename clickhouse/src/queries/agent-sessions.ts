import type { AgentSessionDetailQuery, AgentSessionRow, AgentSessionsQuery, AgentTurnExtras, ModelsSeenRow } from '../agents.ts';
import type { Driver, ParamValue } from '../driver/driver.ts';
import { isoOf } from './datetime.ts';
import { ERROR_CONDITION, filterConditions, rawTimeConditions } from './request-filter.ts';
import { checkRange, limitWithin, text } from './validate.ts';

type Num = number | string;
interface RawSessionModel {
  session_id: string;
  project_id: string;
  agent: string;
  agent_version: string;
  user_id: string;
  provider: string;
  model: string;
  requests: Num;
  errors: Num;
  retries: Num;
  paths: string[];
  prompt_tokens: Num;
  completion_tokens: Num;
  cache_read_tokens: Num;
  cache_write_tokens: Num;
  reasoning_tokens: Num;
  cost_usd: Num;
  started_ms: Num;
  ended_ms: Num;
}

/**
 * Agent sessions in the range with their totals, per model inside each session (so the API
 * can price what the session would have cost without prompt caching). Two steps: the page of
 * sessions (by start or cost), then the per-model rows of those sessions only.
 */
export async function listAgentSessions(driver: Driver, q: AgentSessionsQuery): Promise<AgentSessionRow[]> {
  const range = checkRange(q);
  const limit = limitWithin(q.limit, 100, 500);
  if (q.projectIds.length === 0) return [];
  const filter = filterConditions(q);
  const time = rawTimeConditions(range.from, range.to);
  const conditions = [...filter.conditions, ...time.conditions, "session_id != ''", "properties['agent'] != ''"];
  const params: Record<string, ParamValue> = { ...filter.params, ...time.params, limit };
  if (q.agent !== undefined) {
    conditions.push("properties['agent'] = {agent:String}");
    params.agent = text('agent', q.agent);
  }
  const order = q.sort === 'cost' ? 'sum(cost_usd) DESC' : 'min(created_at) DESC';
  const where = conditions.join(' AND ');
  const rows = await driver.query<RawSessionModel>(
    `SELECT session_id, project_id,
            any(properties['agent']) AS agent, anyIf(properties['agent_version'], properties['agent_version'] != '') AS agent_version,
            anyIf(user_id, user_id != '') AS user_id, provider, model,
            count() AS requests, countIf(${ERROR_CONDITION}) AS errors, sum(attempts - 1) AS retries,
            groupUniqArrayIf(session_path, session_path != '') AS paths,
            sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
            sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
            sum(reasoning_tokens) AS reasoning_tokens, sum(cost_usd) AS cost_usd,
            min(toUnixTimestamp64Milli(created_at)) AS started_ms, max(toUnixTimestamp64Milli(created_at) + latency_ms) AS ended_ms
     FROM requests
     WHERE ${where} AND (project_id, session_id) IN (
       SELECT project_id, session_id FROM requests WHERE ${where}
       GROUP BY project_id, session_id ORDER BY ${order}, project_id, session_id LIMIT {limit:UInt32})
     GROUP BY project_id, session_id, provider, model`,
    params,
  );
  const sessions = new Map<string, AgentSessionRow & { pathSet: Set<string>; startedMs: number; endedMs: number }>();
  for (const r of rows) {
    const id = `${r.project_id}\u0000${r.session_id}`;
    let s = sessions.get(id);
    if (!s) {
      s = {
        session_id: r.session_id, project_id: r.project_id, agent: r.agent, agent_version: r.agent_version, user_id: r.user_id,
        requests: 0, errors: 0, retries: 0, subagents: 0, cost_usd: 0, started_at: '', ended_at: '', duration_ms: 0, models: [],
        pathSet: new Set(), startedMs: Infinity, endedMs: 0,
      };
      sessions.set(id, s);
    }
    s.requests += Number(r.requests);
    s.errors += Number(r.errors);
    s.retries += Number(r.retries);
    s.cost_usd += Number(r.cost_usd);
    if (!s.agent_version) s.agent_version = r.agent_version;
    if (!s.user_id) s.user_id = r.user_id;
    for (const p of r.paths) s.pathSet.add(p);
    s.startedMs = Math.min(s.startedMs, Number(r.started_ms));
    s.endedMs = Math.max(s.endedMs, Number(r.ended_ms));
    s.models.push({
      provider: r.provider, model: r.model, requests: Number(r.requests), prompt_tokens: Number(r.prompt_tokens), completion_tokens: Number(r.completion_tokens),
      cache_read_tokens: Number(r.cache_read_tokens), cache_write_tokens: Number(r.cache_write_tokens), reasoning_tokens: Number(r.reasoning_tokens), cost_usd: Number(r.cost_usd),
    });
  }
  const out = [...sessions.values()].map(({ pathSet, startedMs, endedMs, ...s }) => ({
    ...s, subagents: pathSet.size, started_at: isoOf(startedMs), ended_at: isoOf(endedMs), duration_ms: endedMs - startedMs,
  }));
  return out.sort(q.sort === 'cost' ? (a, b) => b.cost_usd - a.cost_usd : (a, b) => b.started_at.localeCompare(a.started_at));
}

/**
 * Tool calls in each call's answer, counted in the stored response body of one session's calls
 * (bounded: one session, through the session_id bloom filter): Anthropic `tool_use` blocks and
 * OpenAI chat `function` tool calls once each in JSON and streams alike; a Responses stream
 * repeats each item, so there only finished items count.
 */
export async function agentTurnExtras(driver: Driver, q: AgentSessionDetailQuery): Promise<AgentTurnExtras[]> {
  const range = checkRange(q);
  const sessionId = text('session_id', q.session_id);
  if (q.projectIds.length === 0 || sessionId === '') return [];
  const time = rawTimeConditions(range.from, range.to);
  const rows = await driver.query<{ request_id: string; tool_calls: Num }>(
    `SELECT request_id,
            if(endpoint = 'responses',
               if(streamed, countMatches(response_body, 'output_item\\\\.done"[^\\\\n]*?"type":"(?:function_call|custom_tool_call)"'),
                            countMatches(response_body, '"type":"(?:function_call|custom_tool_call)"')),
               countMatches(response_body, '"type":"(?:tool_use|function)"')) AS tool_calls
     FROM requests FINAL
     WHERE project_id IN {projectIds:Array(String)} AND session_id = {sessionId:String} AND ${time.conditions.join(' AND ')}
     LIMIT 1001`,
    { projectIds: q.projectIds, sessionId, ...time.params },
  );
  return rows.map((r) => ({ request_id: r.request_id, tool_calls: Number(r.tool_calls) }));
}

/** Provider and model pairs called in the range, for `periscope prices check`. */
export async function modelsSeen(driver: Driver, q: { projectIds: string[] } & { from: number; to: number }): Promise<ModelsSeenRow[]> {
  const range = checkRange(q);
  if (q.projectIds.length === 0) return [];
  const time = rawTimeConditions(range.from, range.to);
  const rows = await driver.query<{ provider: string; model: string; model_served: string; requests: Num; unpriced: Num; last_ms: Num }>(
    `SELECT provider, model, model_served, count() AS requests, countIf(NOT cost_known) AS unpriced,
            max(toUnixTimestamp64Milli(created_at)) AS last_ms
     FROM requests
     WHERE project_id IN {projectIds:Array(String)} AND ${time.conditions.join(' AND ')} AND model != '' AND status < 400 AND status != 0
     GROUP BY provider, model, model_served ORDER BY requests DESC LIMIT 1000`,
    { projectIds: q.projectIds, ...time.params },
  );
  return rows.map((r) => ({
    provider: r.provider, model: r.model, model_served: r.model_served, requests: Number(r.requests), unpriced_requests: Number(r.unpriced), last_seen: isoOf(Number(r.last_ms)),
  }));
}
