import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { seededRandom } from '@periscope/proxy';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/**
 * A client that holds only a gateway key must never get a configured provider key back, even
 * from a provider that quotes it unmasked (the mock's `echo-key` scenario): not in an error
 * body, an error event inside a stream (cut into pieces through the key), or a header.
 */
const OPENAI_KEY = 'sk-proj-configuredQ9w8e7r6t5y4u3i2o1p0canary';
const ANTHROPIC_KEY = 'sk-ant-api03-configuredZ1x2c3v4b5n6m7canary';
// Not key-shaped: only the exact-value scrub can find these.
const POOL_KEYS = ['pool-canary-a-7f3a9c1e5b2d4a6f', 'pool-canary-b-0c8e6f4a2d5b1e3c'];
const CANARIES = [OPENAI_KEY, ANTHROPIC_KEY, ...POOL_KEYS];

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness((mockUrl) => ({
    openai: { type: 'openai', base_url: `${mockUrl}/v1`, api_key: OPENAI_KEY },
    anthropic: { type: 'anthropic', base_url: mockUrl, api_key: ANTHROPIC_KEY },
    pool: { type: 'openai-compatible', base_url: `${mockUrl}/v1`, keys: POOL_KEYS.map((key) => ({ key })) },
  }));
}, 60_000);
afterAll(async () => h?.close());

const messages = [{ role: 'user' as const, content: 'hello' }];

function headerLines(headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((value, name) => lines.push(`${name}: ${value}`));
  return lines.join('\n');
}

function leaked(text: string): string[] {
  return CANARIES.filter((c) => text.includes(c));
}

/** Everything an SDK error exposes to the program that caught it. */
function errorText(err: unknown): string {
  const e = err as { message?: string; error?: unknown; headers?: Headers };
  return [e.message, JSON.stringify(e.error), e.headers ? headerLines(e.headers) : ''].join('\n');
}

async function clients() {
  const { project, key } = await h.newProject();
  return {
    project,
    // The gateway key as each SDK's API key: the gateway sends the configured provider keys.
    openai: new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 }),
    pool: new OpenAI({ apiKey: key, baseURL: `${h.url}/pool/v1`, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: key, baseURL: h.url, maxRetries: 0 }),
  };
}

const scenario = (name: string) => ({ headers: { 'x-mock-scenario': name } });

async function drain(stream: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of stream) { /* until the provider's error */ }
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('configured provider keys never reach a client that holds only a gateway key', () => {
  it('OpenAI and Anthropic 401 bodies that quote the key, through the official SDKs; the stored rows are scrubbed too', async () => {
    const { openai, anthropic, pool, project } = await clients();
    const errors = [
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario('error-401,echo-key')).catch((e: unknown) => e),
      await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages }, scenario('error-401,echo-key')).catch((e: unknown) => e),
      await pool.chat.completions.create({ model: 'llama', messages }, scenario('error-429,echo-key,retry-after-0')).catch((e: unknown) => e),
    ];
    expect(errors[0]).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(errors[1]).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(errors[2]).toBeInstanceOf(OpenAI.RateLimitError);
    // The provider did get the configured keys and did quote them: the gateway took them out.
    expect(h.mock.requests.slice(-3).map((r) => r.headers.authorization ?? r.headers['x-api-key'])).toEqual(
      expect.arrayContaining([`Bearer ${OPENAI_KEY}`, ANTHROPIC_KEY]),
    );
    for (const err of errors) {
      const text = errorText(err);
      expect(leaked(text), text).toEqual([]);
      expect(text).toContain('[REDACTED]');
    }
    expect((errors[0] as InstanceType<typeof OpenAI.APIError>).message).toContain('Incorrect API key provided: [REDACTED].');
    const rows = await h.rows(project, '', 3);
    const details = await Promise.all(rows.map((r) => h.row(r.request_id, project)));
    expect(leaked(JSON.stringify(details))).toEqual([]);
    expect(details.every((d) => d.error_message.includes('[REDACTED]'))).toBe(true);
  });

  it('an error event inside a stream, cut into chunks through the key: Anthropic event: error, OpenAI chat and Responses', async () => {
    const { openai, anthropic, project } = await clients();
    const streamScenario = scenario('error-mid-stream,echo-key,split-frames');
    const errors = [
      await drain(await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, messages, stream: true }, streamScenario)),
      await drain(await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, streamScenario)),
      await drain(await openai.responses.create({ model: 'gpt-4.1-mini', input: 'hello', stream: true }, streamScenario)),
    ];
    expect(errors[0]).toBeInstanceOf(Anthropic.APIError);
    expect(errors[1]).toBeInstanceOf(OpenAI.APIError);
    for (const err of errors.slice(0, 2)) {
      const text = errorText(err);
      expect(leaked(text), text).toEqual([]);
      expect(text).toContain('[REDACTED]');
    }
    // The raw bytes too, as a client without an SDK reads them.
    for (const [path, body, headers] of [
      ['/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 20, messages, stream: true }, { 'anthropic-version': '2023-06-01' }],
      ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, stream: true }, {}],
      ['/v1/responses', { model: 'gpt-4.1-mini', input: 'hello', stream: true }, {}],
    ] as const) {
      const { key } = await h.newProject();
      const res = await fetch(`${h.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, 'x-mock-scenario': 'error-mid-stream,echo-key,split-frames', ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(leaked(text), `${path}: ${text}`).toEqual([]);
      expect(text).toContain('[REDACTED]');
      expect(res.headers.get('x-debug-api-key')).toBe('[REDACTED]');
    }
    const rows = await h.rows(project, '', 3);
    const details = await Promise.all(rows.map((r) => h.row(r.request_id, project)));
    expect(leaked(JSON.stringify(details))).toEqual([]);
  });

  it('a response header that echoes the key is scrubbed on successful answers too, JSON and streamed', async () => {
    const { openai, anthropic } = await clients();
    const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario('echo-key')).withResponse();
    expect(response.headers.get('x-debug-api-key')).toBe('[REDACTED]');
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 20, messages }, scenario('echo-key'));
    const final = await stream.finalMessage();
    expect(final.content.length).toBeGreaterThan(0);
  });

  it('a long request quoting the pool\'s keys, retried on the other key: neither is stored, though its body was redacted while the first attempt ran', async () => {
    const { pool, project } = await clients();
    // Long enough to be redacted ahead of the event (build-event.ts: prepareStoredRequest), before the second attempt adds its key.
    const filler = 'word '.repeat(6000);
    const content = `${filler} the keys: ${POOL_KEYS[0]} and ${POOL_KEYS[1]} ${filler}`;
    // The pool picks a key by weight for each attempt: until a call's retry went to the other key.
    let requestId: string | undefined;
    let calls = 0;
    for (; calls < 20 && !requestId; calls++) {
      h.mock.enqueueScenarios('error-429,retry-after-0');
      const from = h.mock.requests.length;
      const { data, response } = await pool.chat.completions
        .create({ model: 'llama', messages: [{ role: 'user', content }] }, { headers: { 'periscope-retry-enabled': 'true', 'periscope-retry-num': '1' } })
        .withResponse();
      expect(data.choices[0]?.message.content).toBeTruthy();
      const used = h.mock.requests.slice(from).map((r) => r.headers.authorization);
      expect(used).toHaveLength(2);
      if (used[0] !== used[1]) requestId = response.headers.get('periscope-request-id') ?? undefined;
    }
    expect(requestId).toBeDefined();
    await h.rows(project, '', calls);
    const detail = await h.row(requestId!, project);
    expect(detail.request_body.length).toBeGreaterThan(16 * 1024);
    expect(leaked(detail.request_body)).toEqual([]);
    expect(detail.request_body.match(/\[REDACTED\]/g)).toHaveLength(2);
  });

  it('generated: random providers, scenarios and stream shapes through the gateway never return a configured key (fixed seed)', async () => {
    const random = seededRandom(1_404);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const { key } = await h.newProject();
    const routes = [
      { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages } },
      { path: '/pool/v1/chat/completions', body: { model: 'llama', messages } },
      { path: '/v1/responses', body: { model: 'gpt-4.1-mini', input: 'hi' } },
      { path: '/v1/messages', body: { model: 'claude-haiku-4-5', max_tokens: 5, messages } },
      { path: '/anthropic/v1/messages', body: { model: 'claude-haiku-4-5', max_tokens: 5, messages } },
    ];
    const statuses = new Set<number>();
    for (let i = 0; i < 120; i++) {
      const route = pick(routes);
      const stream = random() < 0.5;
      const parts = ['echo-key', pick(['error-400', 'error-401', 'error-404', 'error-429', 'error-500', 'error-529', 'error-mid-stream', 'ok'])];
      if (random() < 0.5) parts.push('split-frames');
      if (parts.includes('error-429')) parts.push('retry-after-0');
      const res = await fetch(`${h.url}${route.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, 'anthropic-version': '2023-06-01', 'x-mock-scenario': parts.join(',') },
        body: JSON.stringify({ ...route.body, stream }),
      });
      const text = `${headerLines(res.headers)}\n${await res.text()}`;
      statuses.add(res.status);
      expect(leaked(text), `#${i} ${route.path} ${parts.join(',')} stream=${stream}: ${text}`).toEqual([]);
    }
    expect(statuses.size).toBeGreaterThan(4);
  }, 60_000);
});
