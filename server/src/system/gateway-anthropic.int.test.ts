import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { createPriceBook } from '@periscope/proxy';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

let h: GatewayHarness;
const priceBook = createPriceBook();

beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => h?.close());

async function client() {
  const { project, key } = await h.newProject();
  const anthropic = new Anthropic({
    apiKey: 'sk-ant-client-key-abcdefghijklmnop',
    baseURL: h.url,
    maxRetries: 0,
    defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, 'Periscope-User-Id': 'bob', 'Periscope-Property-Agent': 'claude-code' },
  });
  return { anthropic, project };
}

const messages = [{ role: 'user' as const, content: 'Summarise the gateway design in one line.' }];

describe('Anthropic SDK through the gateway', () => {
  it('relays a message and logs tokens and cost', async () => {
    const { anthropic, project } = await client();
    const { data, response } = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages }).withResponse();
    expect(data.content[0]!.type).toBe('text');
    expect(response.headers.get('request-id')).toBeTruthy();
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBeTruthy();
    const upstream = h.mock.requests.at(-1)!;
    // This SDK version sends its key as a bearer token; either form is forwarded as sent.
    expect(upstream.headers['x-api-key'] ?? upstream.headers.authorization).toMatch(/sk-ant-client-key-abcdefghijklmnop$/);
    expect(upstream.headers['anthropic-version']).toBeTruthy();

    const row = await h.row(response.headers.get('periscope-request-id')!, project);
    expect(row).toMatchObject({
      provider: 'anthropic', endpoint: 'messages', model: 'claude-sonnet-4-6', status: 200, streamed: false,
      prompt_tokens: data.usage.input_tokens, completion_tokens: data.usage.output_tokens,
      user_id: 'bob', properties: { agent: 'claude-code' }, upstream_request_id: response.headers.get('request-id'),
      cost_known: true,
    });
    expect(row.cost_usd).toBeCloseTo(priceBook.cost('anthropic', 'claude-sonnet-4-6', {
      prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0,
    }).cost_usd, 12);
  });

  it('streams a message and logs message_start + message_delta usage', async () => {
    const { anthropic, project } = await client();
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(1);
    const [row] = await h.rows(project);
    expect(row).toMatchObject({
      streamed: true, prompt_tokens: final.usage.input_tokens, completion_tokens: final.usage.output_tokens,
      model_served: final.model, status: 200,
    });
    expect(row!.ttft_ms).not.toBeNull();
    expect(row!.cost_usd).toBeGreaterThan(0);
  });

  it('relays tool use, streamed and not', async () => {
    const { anthropic, project } = await client();
    const tools = [{ name: 'search_docs', description: 'Search the docs', input_schema: { type: 'object' as const, properties: { query: { type: 'string' } }, required: ['query'] } }];
    const res = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 200, messages, tools });
    expect(res.stop_reason).toBe('tool_use');
    const block = res.content.find((b) => b.type === 'tool_use');
    expect(block).toMatchObject({ name: 'search_docs' });
    const streamed = await anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 200, messages, tools }).finalMessage();
    expect(streamed.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'search_docs', input: (block as { input: unknown }).input });
    const rows = await h.rows(project, '', 2);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.completion_tokens === res.usage.output_tokens)).toBe(true);
  });

  it('logs prompt-cache writes and reads', async () => {
    const { anthropic, project } = await client();
    const system = [{ type: 'text' as const, text: 'You are a careful reviewer. '.repeat(200), cache_control: { type: 'ephemeral' as const } }];
    const first = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, system, messages });
    const second = await anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 50, system, messages }).finalMessage();
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    const rows = await h.rows(project, '', 2);
    const [write, read] = [rows.find((r) => !r.streamed)!, rows.find((r) => r.streamed)!];
    const total = (u: Anthropic.Usage) => u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
    expect(write).toMatchObject({ cache_write_tokens: first.usage.cache_creation_input_tokens, cache_read_tokens: 0, prompt_tokens: total(first.usage) });
    expect(read).toMatchObject({ cache_read_tokens: second.usage.cache_read_input_tokens, cache_write_tokens: 0, prompt_tokens: total(second.usage) });
    // Reads are billed at a tenth of the input price, so the cached call must cost less.
    expect(read.cost_usd).toBeLessThan(write.cost_usd);
  });

  it('counts tokens without cost', async () => {
    const { anthropic, project } = await client();
    const res = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-6', messages });
    expect(res.input_tokens).toBeGreaterThan(0);
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ endpoint: 'messages.count_tokens', status: 200, cost_usd: 0 });
  });

  it('serves the /anthropic prefix too', async () => {
    const { project, key } = await h.newProject();
    const viaPrefix = new Anthropic({ apiKey: key, baseURL: `${h.url}/anthropic`, maxRetries: 0 });
    // No client key and none configured: the gateway forwards no key and the provider's 401 comes back unchanged.
    const err = await viaPrefix.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ provider: 'anthropic', status: 401, error_type: 'authentication' });
  });
});
