import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestDetail } from '@periscope/clickhouse';
import { createPriceBook } from '@periscope/proxy';
import { agentSessionFixture, AGENT_SESSION_MODEL, startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

let h: GatewayHarness;
let anthropic: MockUpstream;

/** The Anthropic provider is a mock with Anthropic's own prefix-cache accounting. */
beforeAll(async () => {
  anthropic = await startMockUpstream({ anthropicPromptCache: 'prefix' });
  h = await startGatewayHarness(() => ({}), {
    config: () => ({
      providers: { anthropic: { type: 'anthropic', base_url: anthropic.url } },
      models: { 'claude-auto': { deployments: [{ provider: 'anthropic', model: AGENT_SESSION_MODEL }], prompt_cache: 'auto' } },
    }),
  });
});
afterAll(async () => {
  await h?.close();
  await anthropic?.close();
});

const priceBook = createPriceBook();

async function send(key: string, body: object, headers: Record<string, string>) {
  const res = await fetch(`${h.url}/v1/messages`, {
    method: 'POST',
    headers: { 'periscope-auth': `Bearer ${key}`, 'x-api-key': 'sk-ant-client-key-abcdefgh', 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.headers.get('periscope-request-id')!;
}

/** Input-side cost from a stored row: uncached input, cache reads and (5-minute) writes at their prices. */
function inputCost(row: RequestDetail): number {
  const usage = { prompt_tokens: row.prompt_tokens, completion_tokens: 0, cache_read_tokens: row.cache_read_tokens, cache_write_tokens: row.cache_write_tokens, reasoning_tokens: 0 };
  return priceBook.cost('anthropic', AGENT_SESSION_MODEL, usage).cost_usd;
}

/** Replays the 30-turn session through the gateway; returns its rows, oldest first. */
async function replay(headers: Record<string, string>): Promise<RequestDetail[]> {
  const { project, key } = await h.newProject();
  const turns = agentSessionFixture();
  const ids = [];
  for (const body of turns) ids.push(await send(key, body, { 'periscope-session-id': `session-${project}`, ...headers }));
  return Promise.all(ids.map((id) => h.row(id, project)));
}

describe('provider prompt cache through the gateway', () => {
  it('prompt_cache: auto cuts the input cost of a 30-turn agent session by at least 70%', async () => {
    const off = await replay({});
    const auto = await replay({ 'periscope-prompt-cache': 'auto' });
    const cost = (rows: RequestDetail[]) => rows.reduce((sum, r) => sum + inputCost(r), 0);
    const saving = 1 - cost(auto) / cost(off);
    console.log(`30-turn agent session through the gateway, input cost: off $${cost(off).toFixed(4)}, auto $${cost(auto).toFixed(4)} (${(saving * 100).toFixed(1)}% lower)`);
    expect(saving).toBeGreaterThanOrEqual(0.7);

    // Without breakpoints every later turn repeated a cacheable prefix, and the row says why it missed.
    expect(off.slice(1).every((r) => r.prompt_cache_expected && !r.prompt_cache_hit)).toBe(true);
    expect(off[1]!.prompt_cache_miss_reason).toMatch(/^no cache_control breakpoint covers the shared prefix/);
    expect(off[1]!.prompt_cache_diverged_at).toBe(-1);
    // With them every later turn read the previous turn's prefix.
    expect(auto.slice(1).every((r) => r.prompt_cache_expected && r.prompt_cache_hit && r.prompt_cache_miss_reason === '')).toBe(true);
    expect(auto[0]).toMatchObject({ prompt_cache_expected: false, cache_read_tokens: 0 });
    expect(auto[0]!.cache_write_tokens).toBeGreaterThan(1024);
    // The logged request is what the client sent; the breakpoints only went upstream.
    expect(auto[5]!.request_body).not.toContain('cache_control');
    const upstream = anthropic.requests.at(-1)!.body as { system: unknown[] };
    expect(JSON.stringify(upstream)).toContain('"cache_control":{"type":"ephemeral"}');
    expect(upstream.system).toHaveLength(1);
  }, 60_000);

  it('applies a model\'s prompt_cache: auto, and says which block changed when the prefix breaks', async () => {
    const { project, key } = await h.newProject();
    const [turn1, turn2] = agentSessionFixture() as [Record<string, unknown>, Record<string, unknown>];
    const session = { 'periscope-session-id': `edit-${project}` };
    await send(key, { ...turn1, model: 'claude-auto' }, session);
    const tools = structuredClone(turn2.tools) as Record<string, unknown>[];
    tools[2]!.description = 'A different description of the third tool.';
    const id = await send(key, { ...turn2, model: 'claude-auto', tools }, session);
    expect(anthropic.requests.at(-1)!.body).toMatchObject({ model: AGENT_SESSION_MODEL });
    expect(JSON.stringify(anthropic.requests.at(-1)!.body)).toContain('cache_control');
    const row = await h.row(id, project);
    expect(row).toMatchObject({
      prompt_cache_expected: true, prompt_cache_hit: false, prompt_cache_diverged_at: 2,
      prompt_cache_miss_reason: 'tools[2] changed since the previous call of this session',
    });
  });
});
