import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { mockReplyText } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

let h: GatewayHarness;

beforeAll(async () => {
  h = await startGatewayHarness(() => ({}), {
    config: () => ({
      models: {
        'cached-mini': { deployments: [{ provider: 'openai', model: 'gpt-4o-mini' }], cache: { enabled: true, ttl: '1h', exclude_paths: ['messages[*].name'] } },
      },
    }),
  });
});
afterAll(async () => h?.close());

const messages = [{ role: 'user' as const, content: 'Cache me if you can.' }];
const body = { model: 'gpt-4o-mini', messages };

/** One raw call; `headers` are added to the gateway key and the cache switch. */
async function call(key: string, payload: object, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-client-key-abcdefghijklmnop', 'x-api-key': 'sk-ant-client-key-abcdefgh',
      'anthropic-version': '2023-06-01', 'content-type': 'application/json', 'periscope-cache-enabled': 'true', ...headers,
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, cache: res.headers.get('periscope-cache'), requestId: res.headers.get('periscope-request-id')!, text: await res.text(), headers: res.headers };
}

/** Upstream calls the mock received whose body carries `marker` (tests share the mock). */
function upstreamCalls(marker: string): number {
  return h.mock.requests.filter((r) => JSON.stringify(r.body).includes(marker)).length;
}

describe('response cache through the gateway', () => {
  it('serves an identical second call from the cache: same body, one upstream call, a row that says so', async () => {
    const { project, key } = await h.newProject();
    const payload = { ...body, messages: [{ role: 'user', content: `identical ${project}` }] };
    const first = await call(key, payload);
    const second = await call(key, payload);
    expect(first).toMatchObject({ status: 200, cache: 'MISS' });
    expect(second).toMatchObject({ status: 200, cache: 'HIT' });
    expect(second.text).toBe(first.text);
    expect(second.requestId).not.toBe(first.requestId);
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(second.headers.get('periscope-provider')).toBe('openai');
    expect(upstreamCalls(`identical ${project}`)).toBe(1);

    const original = await h.row(first.requestId, project);
    const hit = await h.row(second.requestId, project);
    expect(original).toMatchObject({ cache_status: 'miss', cache_source_request_id: '', cost_saved_usd: 0 });
    expect(original.cost_usd).toBeGreaterThan(0);
    expect(hit).toMatchObject({
      cache_status: 'hit', cache_source_request_id: first.requestId, cost_usd: 0, status: 200, provider: 'openai',
      prompt_tokens: original.prompt_tokens, completion_tokens: original.completion_tokens, attempts: 0,
    });
    expect(hit.cost_saved_usd).toBeCloseTo(original.cost_usd, 12);
    expect(hit.cost_saved_usd).toBeGreaterThan(0);
  });

  it('misses on another seed or another semantic field, hits when only an excluded field differs', async () => {
    const { project, key } = await h.newProject();
    const payload = { ...body, messages: [{ role: 'user', content: `variants ${project}` }], temperature: 0 };
    expect((await call(key, payload)).cache).toBe('MISS');
    expect((await call(key, payload, { 'periscope-cache-seed': 'other' })).cache).toBe('MISS');
    expect((await call(key, { ...payload, temperature: 1 })).cache).toBe('MISS');
    expect((await call(key, { ...payload, user: 'someone', metadata: { trace: 'x' }, stream_options: undefined })).cache).toBe('HIT');
    expect((await call(key, payload, { 'periscope-cache-seed': 'other' })).cache).toBe('HIT');
    expect(upstreamCalls(`variants ${project}`)).toBe(3);
  });

  it('applies a model\'s cache settings: on without the header, its extra excluded paths', async () => {
    const { project, key } = await h.newProject();
    const payload = (name: string) => ({ model: 'cached-mini', messages: [{ role: 'user', content: `model settings ${project}`, name }] });
    expect((await call(key, payload('a'), { 'periscope-cache-enabled': '' })).cache).toBe('MISS');
    expect((await call(key, payload('b'), { 'periscope-cache-enabled': '' })).cache).toBe('HIT');
    // The header can still turn it off for one call.
    const off = await call(key, payload('b'), { 'periscope-cache-enabled': 'false' });
    expect(off.cache).toBeNull();
    expect(upstreamCalls(`model settings ${project}`)).toBe(2);
  });

  it('expires entries after Cache-Control: max-age', async () => {
    const { project, key } = await h.newProject();
    const payload = { ...body, messages: [{ role: 'user', content: `ttl ${project}` }] };
    expect((await call(key, payload, { 'cache-control': 'max-age=1' })).cache).toBe('MISS');
    expect((await call(key, payload)).cache).toBe('HIT');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(key, payload)).cache).toBe('MISS');
  });

  it('refreshes on no-cache and bypasses on no-store', async () => {
    const { project, key } = await h.newProject();
    const payload = { ...body, messages: [{ role: 'user', content: `control ${project}` }] };
    const stored = await call(key, payload);
    const refreshed = await call(key, payload, { 'cache-control': 'no-cache' });
    expect(refreshed.cache).toBe('MISS');
    expect(refreshed.text).not.toBe(stored.text); // a fresh upstream answer (new id)
    const hit = await call(key, payload);
    expect(hit).toMatchObject({ cache: 'HIT', text: refreshed.text });
    expect((await h.row(hit.requestId, project)).cache_source_request_id).toBe(refreshed.requestId);

    const bypassed = await call(key, payload, { 'cache-control': 'no-store' });
    expect(bypassed.cache).toBeNull();
    expect(bypassed.text).not.toBe(refreshed.text);
    expect((await h.row(bypassed.requestId, project)).cache_status).toBe('bypass');
    expect((await call(key, payload)).text).toBe(refreshed.text); // no-store stored nothing
    expect(upstreamCalls(`control ${project}`)).toBe(3);
  });

  it('fills a bucket of 3 variants before serving them at random', async () => {
    const { project, key } = await h.newProject();
    const payload = { ...body, messages: [{ role: 'user', content: `bucket ${project}` }] };
    const bucket = { 'periscope-cache-bucket-max-size': '3' };
    const stored: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(key, payload, bucket);
      expect(r.cache).toBe('MISS');
      stored.push(r.text);
    }
    expect(new Set(stored).size).toBe(3);
    const served = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await call(key, payload, bucket);
      expect(r.cache).toBe('HIT');
      served.add(r.text);
    }
    expect([...served].every((t) => stored.includes(t))).toBe(true);
    expect(served.size).toBeGreaterThan(1);
    expect(upstreamCalls(`bucket ${project}`)).toBe(3);
    expect((await call(key, payload, { 'periscope-cache-bucket-max-size': '21' })).status).toBe(400);
  });

  it('never caches errors', async () => {
    const { project, key } = await h.newProject();
    const payload = { ...body, messages: [{ role: 'user', content: `errors ${project}` }] };
    const failed = await call(key, payload, { 'x-mock-scenario': 'error-500' });
    expect(failed).toMatchObject({ status: 500, cache: 'MISS' });
    const streamFailed = await call(key, { ...payload, stream: true }, { 'x-mock-scenario': 'error-mid-stream' });
    expect(streamFailed.cache).toBe('MISS');
    expect((await call(key, payload)).cache).toBe('MISS');
    expect((await call(key, payload)).cache).toBe('HIT');
    expect((await h.row(failed.requestId, project)).cache_status).toBe('miss');
  });

  it('makes exactly one upstream call for 50 concurrent identical calls', async () => {
    const { project, key } = await h.newProject();
    const payload = { ...body, messages: [{ role: 'user', content: `stampede ${project}` }] };
    const results = await Promise.all(Array.from({ length: 50 }, () => call(key, payload, { 'x-mock-scenario': 'slow-headers-200' })));
    expect(upstreamCalls(`stampede ${project}`)).toBe(1);
    expect(results.filter((r) => r.cache === 'MISS')).toHaveLength(1);
    expect(results.filter((r) => r.cache === 'HIT')).toHaveLength(49);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
  });
});

describe('streamed hits through the official SDKs', () => {
  it('OpenAI: a cached stream replays with the same text and usage, and answers a non-streamed call too', async () => {
    const { project, key } = await h.newProject();
    const openai = new OpenAI({
      apiKey: 'sk-client-key-abcdefghijklmnop', baseURL: `${h.url}/v1`, maxRetries: 0,
      defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, 'Periscope-Cache-Enabled': 'true' },
    });
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: `sdk stream ${project}` }] };
    async function streamed() {
      const { data, response } = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }).withResponse();
      let text = '';
      let usage;
      for await (const chunk of data) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      return { text, usage, cache: response.headers.get('periscope-cache'), id: response.headers.get('periscope-request-id')! };
    }
    const first = await streamed();
    const second = await streamed();
    expect(first.cache).toBe('MISS');
    expect(second).toMatchObject({ cache: 'HIT', text: first.text, usage: first.usage });
    expect(first.text).toBe(mockReplyText(request));
    expect(first.usage?.prompt_tokens).toBeGreaterThan(0);

    const { data: completion, response } = await openai.chat.completions.create(request).withResponse();
    expect(response.headers.get('periscope-cache')).toBe('HIT');
    expect(completion.choices[0]!.message.content).toBe(first.text);
    expect(completion.usage).toMatchObject({ prompt_tokens: first.usage!.prompt_tokens, completion_tokens: first.usage!.completion_tokens });

    // Without include_usage the replay carries no usage chunk, yet the row still prices the saving.
    let sawUsage = false;
    for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) sawUsage ||= !!chunk.usage;
    expect(sawUsage).toBe(false);
    const hit = await h.row(second.id, project);
    expect(hit).toMatchObject({ cache_status: 'hit', cache_source_request_id: first.id, streamed: true, prompt_tokens: first.usage!.prompt_tokens });
    expect(hit.cost_saved_usd).toBeGreaterThan(0);
    expect(hit.ttft_ms).not.toBeNull();
  });

  it('Anthropic: a cached stream replays with the same text and usage, and a cached Message answers a stream', async () => {
    const { project, key } = await h.newProject();
    const anthropic = new Anthropic({
      apiKey: 'sk-ant-client-key-abcdefgh', baseURL: h.url, maxRetries: 0,
      defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, 'Periscope-Cache-Enabled': 'true' },
    });
    const request = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user' as const, content: `sdk anthropic ${project}` }] };
    const streamOnce = async () => {
      const stream = anthropic.messages.stream(request);
      let text = '';
      stream.on('text', (t) => (text += t));
      const final = await stream.finalMessage();
      return { text, usage: final.usage, id: final.id };
    };
    const first = await streamOnce();
    const second = await streamOnce();
    expect(second).toEqual(first);
    expect(first.text).toBe(mockReplyText(request));
    const json = await anthropic.messages.create(request);
    expect(json.content).toEqual([{ type: 'text', text: first.text }]);
    expect(json.usage).toEqual(first.usage);

    const other = { ...request, messages: [{ role: 'user' as const, content: `json first ${project}` }] };
    const created = await anthropic.messages.create(other);
    const replayed = await anthropic.messages.stream(other).finalMessage();
    expect(replayed.content).toEqual(created.content);
    expect(replayed.usage).toEqual(created.usage);
    expect(upstreamCalls(`sdk anthropic ${project}`)).toBe(1);
    expect(upstreamCalls(`json first ${project}`)).toBe(1);
  });
});
