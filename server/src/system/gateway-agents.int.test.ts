import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRow } from '@periscope/clickhouse';
import { AGENT_HEADERS } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { runClaude, runCodex } from '../testing/agent-clis.ts';
import { apiRequest, newAccount } from '../testing/api-client.ts';
import { statusLine } from '../cli/statusline.ts';

/**
 * The real agent CLIs (npm @anthropic-ai/claude-code, @openai/codex) through the gateway to the
 * mock upstream, configured the way `periscope connect` sets them up, with no session header
 * added: their own headers must group every call of a run into one session.
 */
/** Calls of this model get a per-session budget of $0.02: about one Claude Code turn. */
const BUDGETED_MODEL = 'claude-haiku-4-5';
let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness((mockUrl) => ({
    anthropic: { type: 'anthropic', base_url: mockUrl, api_key: 'sk-ant-configured-0123456789' },
    openai: { type: 'openai', base_url: `${mockUrl}/v1`, api_key: 'sk-configured-0123456789abcdef' },
  }), {
    config: () => ({ limits: [{ match: { model: BUDGETED_MODEL }, per_session: { budget_usd: 0.05 } }] }),
    // The mock calls the first tool offered: Claude Code's is Agent, so every agent starts one subagent.
    mock: { toolInputs: { Agent: { description: 'check', prompt: 'say hi', subagent_type: 'general-purpose', run_in_background: false } } },
  });
}, 60_000);
afterAll(async () => h?.close());

const sumCost = (rows: RequestRow[]) => rows.reduce((s, r) => s + r.cost_usd, 0);
/** The Claude Code run of the first test, read again by the API tests. */
const claudeRun = { project: '', key: '', sessionId: '', cost: 0 };

describe('Claude Code through Periscope', () => {
  it('one session from X-Claude-Code-Session-Id, subagents under their parents, priced as Claude Code prices it', async () => {
    const { project, key } = await h.newProject();
    const run = await runClaude({ baseUrl: h.url, authToken: key, prompt: 'say hi' });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as { session_id: string; total_cost_usd: number; is_error: boolean };
    expect(result.is_error).toBe(false);

    const upstream = h.mock.requests.filter((r) => r.headers['x-claude-code-session-id'] === result.session_id);
    expect(upstream.length).toBeGreaterThanOrEqual(3);
    for (const r of upstream) {
      // Forwarded byte for byte as the gateway protocol asks; the gateway key never goes upstream.
      expect(r.headers['anthropic-beta']).toBe(AGENT_HEADERS.claude_code.main['anthropic-beta']);
      expect(r.headers['anthropic-version']).toBe('2023-06-01');
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers['x-api-key']).toBe('sk-ant-configured-0123456789');
      expect(Object.keys(r.headers).filter((n) => n.startsWith('periscope-'))).toEqual([]);
    }

    const rows = await h.rows(project, `limit=1000`, upstream.length + 1);
    const messages = rows.filter((r) => r.endpoint === 'messages');
    expect(messages).toHaveLength(upstream.length);
    for (const r of messages) {
      expect(r).toMatchObject({ session_id: result.session_id, status: 200, properties: { agent: 'claude-code', agent_version: expect.stringMatching(/^2\.\d+\.\d+/) } });
    }
    // Main-agent calls have no path; each subagent's calls sit under its parent's path.
    const paths = new Set(messages.map((r) => r.session_path));
    expect(paths.has('')).toBe(true);
    const nested = [...paths].filter((p) => p.split('/').length > 2);
    expect(nested.length).toBeGreaterThan(0);
    for (const p of nested) expect(paths.has(p.slice(0, p.lastIndexOf('/')))).toBe(true);
    // Claude Code's own bill for the run is what Periscope logged, call by call.
    expect(sumCost(messages)).toBeCloseTo(result.total_cost_usd, 9);

    // Model discovery (CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1) reached the Anthropic provider.
    const discovery = rows.find((r) => r.endpoint === 'models');
    expect(discovery).toMatchObject({ provider: 'anthropic', status: 200, properties: { agent: 'claude-code' } });
    Object.assign(claudeRun, { project, key, sessionId: result.session_id, cost: result.total_cost_usd });
  }, 90_000);

  it('the Agents API: the session by agent, turn by turn with tool calls and cache, its project only', async () => {
    expect(claudeRun.sessionId).not.toBe('');
    const list = await h.api<{ data: Array<Record<string, unknown>> }>(`/api/agents/sessions?project=${claudeRun.project}&sort=cost`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const s = list.body.data[0]!;
    expect(s).toMatchObject({ session_id: claudeRun.sessionId, agent: 'claude-code', subagents: expect.any(Number) });
    expect(s.subagents as number).toBeGreaterThan(0);
    expect(s.cost_usd as number).toBeCloseTo(claudeRun.cost, 9);
    // The mock caches nothing without breakpoints it can read, so every cache write costs more than plain input would have.
    expect(typeof s.cost_without_cache_usd).toBe('number');

    const detail = await h.api<{ turns: Array<{ tool_calls: number; session_path: string; cache_hit_rate: number }> }>(`/api/agents/sessions/${claudeRun.sessionId}?project=${claudeRun.project}`);
    expect(detail.status).toBe(200);
    // Every agent called its first tool (Agent, or Bash in the innermost one) once, then answered.
    expect(detail.body.turns.filter((t) => t.tool_calls === 1).length).toBeGreaterThan(0);
    expect(detail.body.turns.filter((t) => t.tool_calls === 0).length).toBeGreaterThan(0);

    // Another project's member sees nothing of it, by list or by id; asking for the project is refused.
    const { project: other } = await h.newProject();
    const member = await newAccount(h.url, 'member', [other]);
    expect((await apiRequest<{ data: unknown[] }>(h.url, 'GET', '/api/agents/sessions', member)).body.data).toEqual([]);
    expect((await apiRequest(h.url, 'GET', `/api/agents/sessions/${claudeRun.sessionId}`, member)).status).toBe(404);
    expect((await apiRequest(h.url, 'GET', `/api/agents/sessions?project=${claudeRun.project}`, member)).status).toBe(403);
  });

  it("the status line's read: the gateway key gets its own session's totals and nothing else", async () => {
    const own = await apiRequest<Record<string, number>>(h.url, 'GET', `/api/agents/own-session?session_id=${claudeRun.sessionId}`, { bearer: claudeRun.key });
    expect(own.status).toBe(200);
    expect(own.body.cost_usd).toBeCloseTo(claudeRun.cost, 9);
    expect(own.body.requests).toBeGreaterThan(0);
    const { key: otherKey } = await h.newProject();
    const foreign = await apiRequest<Record<string, number>>(h.url, 'GET', `/api/agents/own-session?session_id=${claudeRun.sessionId}`, { bearer: otherKey });
    expect(foreign.body).toMatchObject({ requests: 0, cost_usd: 0 });
    expect((await apiRequest(h.url, 'GET', `/api/agents/own-session?session_id=${claudeRun.sessionId}`, { admin: true })).status).toBe(401);
    // What Claude Code's status line shows, from the session JSON it pipes in.
    const line = await statusLine({ stdin: JSON.stringify({ session_id: claudeRun.sessionId }), env: { ANTHROPIC_BASE_URL: h.url, ANTHROPIC_AUTH_TOKEN: claudeRun.key } });
    expect(line).toMatch(/^Periscope \$\d+\.\d{4} · cache \d+%/);
    expect(await statusLine({ stdin: '{"session_id":"x"}', env: { ANTHROPIC_BASE_URL: h.url, ANTHROPIC_AUTH_TOKEN: 'psk_wrong' } })).toBe('Periscope: the gateway key was refused');
    // A gateway key is no API credential beyond this one route.
    expect((await apiRequest(h.url, 'GET', `/api/agents/sessions`, { bearer: claudeRun.key })).status).toBe(401);
  });
});

describe('a per-session budget', () => {
  it('stops a Claude Code run with a message the CLI shows', async () => {
    const { project, key } = await h.newProject();
    const run = await runClaude({ baseUrl: h.url, authToken: key, prompt: 'say hi', env: { ANTHROPIC_MODEL: BUDGETED_MODEL } });
    const result = JSON.parse(run.stdout) as { is_error: boolean; api_error_status: number; result: string; session_id: string };
    expect(run.code).toBe(1);
    expect(result).toMatchObject({ is_error: true, api_error_status: 402 });
    expect(result.result).toMatch(/^API Error: 402 Periscope session budget exhausted: this session \(\S+\) has used \$0\.0\d{3} of its \$0\.05 budget/);
    const rows = (await h.rows(project, 'endpoint=messages', 2)).filter((r) => r.session_id === result.session_id);
    const answered = rows.filter((r) => r.status === 200);
    const refused = rows.filter((r) => r.status === 402);
    expect(answered.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toMatchObject({ error_type: 'budget_exceeded', cost_usd: 0 });
    expect(answered.reduce((s, r) => s + r.cost_usd, 0)).toBeLessThanOrEqual(0.05);
  }, 90_000);
});

describe('prices check', () => {
  it('lists models called in the last days that have no price', async () => {
    const { project, key } = await h.newProject();
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'periscope-auth': `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-mystery-1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await h.rows(project);
    const unpriced = await h.api<{ data: Array<{ provider: string; model: string }> }>(`/api/agents/unpriced?days=1&project=${project}`);
    expect(unpriced.body.data).toEqual([expect.objectContaining({ provider: 'openai', model: 'gpt-mystery-1', requests: 1 })]);
  });
});

describe('Codex through Periscope', () => {
  it('one session from its session-id header, priced, agent and version recorded', async () => {
    const { project, key } = await h.newProject();
    const run = await runCodex({ baseUrl: `${h.url}/v1`, gatewayKey: key, prompt: 'say hi' });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const sessionId = /session id: (\S+)/.exec(run.stderr + run.stdout)?.[1];
    expect(sessionId).toBeDefined();
    const rows = await h.rows(project);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r).toMatchObject({ endpoint: 'responses', session_id: sessionId, session_path: '/root', status: 200, cost_known: true, properties: { agent: 'codex', agent_version: '0.171.0' } });
      expect(r.cost_usd).toBeGreaterThan(0);
    }
    const upstream = h.mock.requests.filter((r) => r.headers['session-id'] === sessionId);
    expect(upstream.length).toBe(rows.length);
    for (const r of upstream) expect(r.headers['periscope-auth']).toBeUndefined();
  }, 90_000);
});
