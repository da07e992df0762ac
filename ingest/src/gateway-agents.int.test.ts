import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRow } from '@periscope/clickhouse';
import { AGENT_HEADERS } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from './testing/gateway-harness.ts';
import { runClaude, runCodex } from './testing/agent-clis.ts';

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
  }, 90_000);
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
