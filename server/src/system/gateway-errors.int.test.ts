import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => h?.close());

const messages = [{ role: 'user' as const, content: 'hello' }];

async function clients(scenario?: string) {
  const { project, key } = await h.newProject();
  const headers: Record<string, string> = { 'Periscope-Auth': `Bearer ${key}` };
  if (scenario) headers['x-mock-scenario'] = scenario;
  return {
    project, key,
    openai: new OpenAI({ apiKey: 'sk-client-abcdefghijklmnopqrst', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: headers }),
    anthropic: new Anthropic({ apiKey: 'sk-ant-client-abcdefghijklmnop', baseURL: h.url, maxRetries: 0, defaultHeaders: headers }),
  };
}

async function post(path: string, init: { headers?: Record<string, string>; body?: string | Buffer }) {
  const body = typeof init.body === 'string' || init.body === undefined ? init.body : new Uint8Array(init.body);
  const res = await fetch(h.url + path, { method: 'POST', headers: init.headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe('upstream errors pass through unchanged and are logged', () => {
  it.each([
    [400, OpenAI.BadRequestError, 'invalid_request'],
    [401, OpenAI.AuthenticationError, 'authentication'],
    [404, OpenAI.NotFoundError, 'not_found'],
    [429, OpenAI.RateLimitError, 'rate_limit'],
    [500, OpenAI.InternalServerError, 'server_error'],
    [529, OpenAI.APIError, 'overloaded'],
  ])('OpenAI %i', async (status, ErrorClass, errorType) => {
    const { openai, project } = await clients(`error-${status}`);
    const err = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err.status).toBe(status);
    expect(err.error?.message ?? err.message).toBeTruthy();
    if (status === 429) expect(err.headers.get('retry-after')).toBe('7');
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ status, error_type: errorType, prompt_tokens: 0, cost_usd: 0 });
    expect(row!.error_message.length).toBeGreaterThan(0);
  });

  it.each([
    [429, Anthropic.RateLimitError, 'rate_limit'],
    [529, Anthropic.APIError, 'overloaded'],
    [500, Anthropic.InternalServerError, 'server_error'],
  ])('Anthropic %i', async (status, ErrorClass, errorType) => {
    const { anthropic, project } = await clients(`error-${status}`);
    const err = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages }).catch((e) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err.status).toBe(status);
    if (status === 529) expect(err.error.error.type).toBe('overloaded_error');
    if (status === 429) expect(err.headers.get('retry-after')).toBe('7');
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ status, error_type: errorType, endpoint: 'messages' });
  });
});

describe('timeouts and disconnects', () => {
  it('answers 504 in the provider shape when the upstream sends no headers in time', async () => {
    const { openai, project } = await clients('slow-headers-4000');
    const err = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(504);
    expect(err.error).toMatchObject({ code: 'upstream_timeout', type: 'api_error' });
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ status: 504, error_type: 'upstream_timeout', provider: 'openai' });
    expect(row!.latency_ms).toBeGreaterThanOrEqual(1400);
  });

  it('cuts the stream and records the idle timeout when the upstream stalls mid-body', async () => {
    const { anthropic, project } = await clients('stall-after-first-chunk');
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 5, messages });
    await expect(stream.finalMessage()).rejects.toThrow();
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ status: 200, streamed: true, error_type: 'upstream_timeout' });
    expect(row!.ttft_ms).not.toBeNull();
  });

  it('logs a stream when its last event passes, not when the provider closes: a client that leaves then has a complete row', async () => {
    for (const [path, body, last, credential] of [
      ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } }, 'data: [DONE]', { authorization: 'Bearer sk-client-abcdefghijklmnopqrst' }],
      ['/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 5, messages, stream: true }, 'message_stop', { 'x-api-key': 'sk-ant-client-abcdefghijklmnop', 'anthropic-version': '2023-06-01' }],
    ] as const) {
      const { project, key } = await h.newProject();
      const controller = new AbortController();
      const disconnects = h.mock.disconnects;
      const res = await fetch(`${h.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, 'x-mock-scenario': 'stall-after-end', ...credential },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes(last)) text += new TextDecoder().decode((await reader.read()).value);
      // The provider has not closed, so neither has the gateway: the row is there already.
      const [row] = await h.rows(project);
      expect(row, path).toMatchObject({ status: 200, streamed: true, error_type: '' });
      expect(row!.prompt_tokens, path).toBeGreaterThan(0);
      controller.abort();
      await expect.poll(() => h.mock.disconnects, { timeout: 3000 }).toBe(disconnects + 1);
      await new Promise((r) => setTimeout(r, 300));
      // Leaving after the last event is not an abort, and the call is not logged again.
      expect(await h.rows(project)).toMatchObject([{ request_id: row!.request_id, status: 200, error_type: '' }]);
    }
  });

  it('aborts the upstream call when the client disconnects mid-stream, and logs it', async () => {
    const { openai, project } = await clients('slow-stream-200');
    const before = h.mock.disconnects;
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, { signal: controller.signal });
    const received: string[] = [];
    // The SDK ends the iteration quietly when its own signal aborts it.
    for await (const chunk of stream) {
      received.push(chunk.choices[0]?.delta.content ?? '');
      if (received.length === 2) controller.abort();
    }
    expect(received).toHaveLength(2);
    await expect.poll(() => h.mock.disconnects, { timeout: 3000 }).toBe(before + 1);
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ status: 200, streamed: true, error_type: 'client_aborted' });
  });

  it('records 502 when the provider is unreachable', async () => {
    const { project, key } = await h.newProject();
    const openai = new OpenAI({ apiKey: 'sk-x-abcdefghijklmnopqrstu', baseURL: `${h.url}/unreachable/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
    const err = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error.code).toBe('upstream_unreachable');
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ status: 502, error_type: 'upstream_unreachable', provider: 'unreachable' });
  });
});

describe('bad input gets a clear error in the provider shape', () => {
  it('rejects a missing or wrong gateway key with 401, and sees a revoked key at once', async () => {
    const noKey = await post('/v1/chat/completions', { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toMatchObject({ error: { code: 'missing_gateway_key', type: 'invalid_request_error' } });
    const wrong = await post('/v1/messages', { headers: { 'periscope-auth': 'Bearer psk_wrongwrongwrongwrongwrong' }, body: '{}' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const { openai, key } = await clients();
    await openai.models.list();
    const keys = await h.api<{ data: { key_id: string; prefix: string }[] }>('/api/keys');
    const id = keys.body.data.find((k) => key.startsWith(k.prefix))!.key_id;
    const res = await fetch(`${h.url}/api/keys/${id}`, { method: 'DELETE', headers: { authorization: 'Bearer test-admin-token' } });
    expect(res.status).toBe(200);
    const err = await openai.models.list().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('answers malformed JSON, wrong content type, oversized bodies and unknown routes', async () => {
    const { project, key } = await clients();
    const auth = { 'periscope-auth': `Bearer ${key}` };
    const badJson = await post('/v1/chat/completions', { headers: { ...auth, 'content-type': 'application/json' }, body: '{"model": "gpt-4o",' });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ error: { code: 'invalid_json', type: 'invalid_request_error' } });
    expect(badJson.headers.get('periscope-request-id')).toBeTruthy();

    const badAnthropic = await post('/v1/messages', { headers: { ...auth, 'content-type': 'application/json' }, body: 'nope' });
    expect(badAnthropic.status).toBe(400);
    expect(badAnthropic.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });

    const wrongType = await post('/v1/chat/completions', { headers: { ...auth, 'content-type': 'text/plain' }, body: 'hi' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body).toMatchObject({ error: { code: 'unsupported_media_type' } });

    const notObject = await post('/v1/embeddings', { headers: { ...auth, 'content-type': 'application/json' }, body: '[1,2]' });
    expect(notObject.status).toBe(400);

    const huge = await post('/v1/chat/completions', { headers: { ...auth, 'content-type': 'application/json' }, body: 'a'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error: { code: 'body_too_large' } });

    const unknownProvider = await post('/nope/v1/chat/completions', { headers: auth, body: '{}' });
    expect(unknownProvider.status).toBe(404);
    expect(unknownProvider.body).toMatchObject({ error: { code: 'unknown_route' } });
    const unknownModel = await post('/v1/chat/completions', { headers: { ...auth, 'content-type': 'application/json' }, body: '{"model":"my-llama","messages":[]}' });
    expect(unknownModel.status).toBe(400);
    expect(String((unknownModel.body.error as { message: string }).message)).toMatch(/Periscope-Provider/);
    const root = await fetch(`${h.url}/nothing`);
    expect(root.status).toBe(404);

    // The gateway survived all of it, and every authenticated bad call is a row.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const rows = await h.rows(project, '', 5);
    expect(rows.map((r) => r.error_type).sort()).toEqual(
      ['invalid_json', 'invalid_json', 'invalid_request', 'unknown_provider', 'unsupported_media_type'].sort(),
    );
  });

  it('refuses invalid UTF-8, deep nesting and __proto__ keys with 400s, and smuggling attempts at the HTTP layer', async () => {
    const { key } = await clients();
    const headers = { 'periscope-auth': `Bearer ${key}`, 'content-type': 'application/json' };
    const utf8 = await post('/v1/chat/completions', { headers, body: Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]) });
    expect(utf8.status).toBe(400);
    expect(JSON.stringify(utf8.body)).toMatch(/UTF-8/);
    const deep = await post('/v1/chat/completions', { headers, body: `{"model":"gpt-4o-mini","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}` });
    expect(deep.status).toBe(400);
    const proto = await post('/v1/chat/completions', { headers, body: '{"model":"gpt-4o-mini","messages":[],"__proto__":{"isAdmin":true}}' });
    expect(proto.status).toBe(400);
    expect(JSON.stringify(proto.body)).toMatch(/__proto__/);

    const { connect } = await import('node:net');
    const raw = (text: string) => new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(h.url).port), '127.0.0.1');
      let reply = '';
      socket.on('data', (d) => (reply += d));
      socket.on('close', () => resolve(reply));
      socket.end(text);
    });
    expect(await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nhello')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('logs a call whose body holds lone UTF-16 surrogates (valid JSON), and the calls after it', async () => {
    const { key, project } = await clients();
    const headers = { 'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-client-abcdefghijklmnopqrst', 'content-type': 'application/json' };
    // Each escape decodes to half a pair; once they made the engine refuse the row and hold up every row after it.
    const body = '{"model":"gpt-4o-mini\\ud800","user":"a\\ud800\\"b","messages":[{"role":"user","content":"\\udfff"}]}';
    const odd = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers, body });
    expect(odd.status).toBe(200);
    await odd.arrayBuffer();
    const after = await post('/v1/chat/completions', { headers, body: JSON.stringify({ model: 'gpt-4o-mini', messages }) });
    expect(after.status).toBe(200);
    const rows = await h.rows(project, '', 2);
    expect(rows.map((r) => r.model).sort()).toEqual(['gpt-4o-mini', 'gpt-4o-mini\ufffd']);
    expect(rows.find((r) => r.model !== 'gpt-4o-mini')?.request_id).toBe(odd.headers.get('periscope-request-id'));
  });

  it('allows only the methods each endpoint has: 405 with Allow, in the provider\'s shape, and nothing is forwarded', async () => {
    const { key, project } = await clients();
    const auth = { 'periscope-auth': `Bearer ${key}`, 'content-type': 'application/json' };
    const before = h.mock.requests.length;
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      // A null body, a __proto__ key: what PUT and PATCH used to carry upstream with the configured key.
      const body = method === 'GET' ? undefined : method === 'PUT' ? 'null' : '{"__proto__":{"x":1},"model":"gpt-4o-mini"}';
      const chat = await fetch(`${h.url}/v1/chat/completions`, { method, headers: auth, body });
      expect(chat.status, method).toBe(405);
      expect(chat.headers.get('allow')).toBe('POST');
      expect(await chat.json()).toMatchObject({ error: { code: 'method_not_allowed', type: 'invalid_request_error' } });
      const messages = await fetch(`${h.url}/anthropic/v1/messages`, { method, headers: auth, body });
      expect(messages.status, method).toBe(405);
      expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('use POST') } });
    }
    const models = await fetch(`${h.url}/v1/models`, { method: 'POST', headers: auth, body: '{}' });
    expect(models.status).toBe(405);
    expect(models.headers.get('allow')).toBe('GET');
    expect(h.mock.requests.length).toBe(before);
    const rows = await h.rows(project, '', 9);
    expect(rows.filter((r) => r.error_type === 'method_not_allowed')).toHaveLength(9);
  });

  it('validates every body a pass-through call forwards, PUT and PATCH too; uploads pass as they are', async () => {
    const { key } = await clients();
    const auth = { 'periscope-auth': `Bearer ${key}` };
    const before = h.mock.requests.length;
    const bad: Array<[string, string, Record<string, string>, string | Buffer]> = [
      ['PUT', '/openai/v1/fine_tuning/jobs/ftjob-1', { 'content-type': 'application/json' }, 'null'],
      ['PATCH', '/openai/v1/fine_tuning/jobs/ftjob-1', { 'content-type': 'application/json' }, '{"__proto__":{"admin":true}}'],
      ['POST', '/openai/v1/batches', { 'content-type': 'application/json' }, '[1,2,3]'],
      ['POST', '/openai/v1/batches', { 'content-type': 'text/plain' }, '{"constructor":1,"__proto__":{"admin":true}}'],
      ['POST', '/openai/v1/batches', {}, '{"x":'],
      ['DELETE', '/anthropic/v1/messages/batches/b1', { 'content-type': 'application/json' }, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
    ];
    for (const [method, path, headers, body] of bad) {
      const res = await fetch(`${h.url}${path}`, { method, headers: { ...auth, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
      expect(res.status, `${method} ${path} ${String(body)}`).toBe(400);
    }
    expect(h.mock.requests.length).toBe(before);
    const upload = await fetch(`${h.url}/openai/v1/files`, {
      method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--x--\r\n',
    });
    expect(upload.status).toBe(404); // relayed: the mock has no files endpoint
    const good = await fetch(`${h.url}/openai/v1/batches`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"input_file_id":"file-1"}' });
    expect(good.status).toBe(404);
    expect(h.mock.requests.length).toBe(before + 2);
  });

  it('exposes every drop path and the request counters on /metrics', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/periscope_proxy_requests_total\{provider="openai",endpoint="chat.completions",status_class="2xx"\} \d+/);
    expect(text).toContain('periscope_events_dropped_total');
    expect(text).toContain('periscope_ingest_inserted_total');
    expect(text).toMatch(/periscope_proxy_rejected_total\{reason="missing_gateway_key"\} [1-9]/);
    // Refused before a call record existed: no row, but counted.
    expect(text).toMatch(/periscope_proxy_rejected_total\{reason="body_too_large"\} [1-9]/);
    expect(text).toMatch(/periscope_proxy_rejected_total\{reason="unknown_route"\} [1-9]/);
  });
});

describe('the gateway\'s own time per call on /metrics', () => {
  const count = async (name: string) => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    const m = new RegExp(`^${name}_count (\\d+)$`, 'm').exec(text);
    const inf = new RegExp(`^${name}_bucket\\{le="\\+Inf"\\} (\\d+)$`, 'm').exec(text);
    expect(m, name).not.toBeNull();
    expect(inf?.[1]).toBe(m![1]);
    return Number(m![1]);
  };

  it('observes the request side and the relay of the answer once for each relayed call, plain and streamed', async () => {
    const { openai } = await clients();
    const [request0, relay0] = [await count('periscope_proxy_overhead_seconds'), await count('periscope_proxy_relay_overhead_seconds')];
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let frames = 0;
    for await (const _ of stream) frames++;
    expect(frames).toBeGreaterThan(1);
    expect(await count('periscope_proxy_overhead_seconds')).toBe(request0 + 2);
    expect(await count('periscope_proxy_relay_overhead_seconds')).toBe(relay0 + 2);
  });
});

describe('the read API answers bad queries with 4xx, not 500', () => {
  it('rejects a forged cursor and bad filters, and never widens a repeated project filter', async () => {
    const bad = await h.api<{ error: { code: string } }>('/api/requests?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_cursor');
    expect((await h.api('/api/requests?limit=0')).status).toBe(400);
    expect((await h.api('/api/requests?from=yesterday')).status).toBe(400);
    const { project } = await h.newProject();
    const twice = await h.api<{ data: unknown[] }>(`/api/requests?project=nobody&project=${project}`);
    expect(twice.status).toBe(200);
    expect(twice.body.data).toEqual([]);
    expect((await h.api(`/api/requests/x?project=a&project=b`)).status).toBe(404);
    const noAuth = await fetch(`${h.url}/api/requests`);
    expect(noAuth.status).toBe(401);
  });
});
