import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

// One mock per deployment, so each can be told to fail on its own.
const mocks: Record<string, MockUpstream> = {};
const NAMES = ['a', 'b', 'down', 'up', 'solo', 'first', 'second', 'f1', 'f2'] as const;
let h: GatewayHarness;
let key: string;
let project: string;

beforeAll(async () => {
  for (const name of NAMES) mocks[name] = await startMockUpstream();
  const providers = Object.fromEntries(NAMES.map((n) => [n, { type: 'openai-compatible', base_url: `${mocks[n]!.url}/v1`, api_key: `sk-${n}-configured-key-000000` }]));
  h = await startGatewayHarness(() => providers, {
    config: () => ({
      models: {
        split: { strategy: 'weighted', deployments: [{ provider: 'a', model: 'gpt-4o-mini', weight: 3 }, { provider: 'b', model: 'gpt-4o-mini', weight: 1 }] },
        ha: { strategy: 'weighted', deployments: [{ provider: 'down', model: 'gpt-4o-mini' }, { provider: 'up', model: 'gpt-4o-mini' }] },
        solo: { deployments: [{ provider: 'solo', model: 'gpt-4o-mini' }], retry: { attempts: 1, base_delay_ms: 10 } },
        primary: { deployments: [{ provider: 'first', model: 'gpt-4o-mini' }], fallbacks: ['secondary'], attempt_timeout_ms: 300 },
        secondary: { deployments: [{ provider: 'second', model: 'gpt-4o' }] },
        flap: { strategy: 'latency', deployments: [{ provider: 'f1', model: 'gpt-4o-mini' }, { provider: 'f2', model: 'gpt-4o-mini' }] },
      },
      routing: { cooldown: { failures: 2, cooldown_ms: 600 } },
    }),
  });
  ({ key, project } = await h.newProject());
}, 60_000);

afterAll(async () => {
  await h?.close();
  await Promise.all(Object.values(mocks).map((m) => m.close()));
});

beforeEach(() => {
  for (const m of Object.values(mocks)) {
    m.reset();
    m.scenario = undefined;
  }
});

const messages = [{ role: 'user' as const, content: 'Route me.' }];

function client(headers: Record<string, string> = {}) {
  return new OpenAI({ apiKey: 'unused', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, ...headers } });
}

async function call(model: string, headers: Record<string, string> = {}) {
  return client(headers).chat.completions.create({ model, messages }).withResponse();
}

describe('routing through the gateway against mock providers', () => {
  it('splits a weighted model 3:1 within ±5% over 2,000 calls', async () => {
    const total = 2000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        const res = await fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}` },
          body: JSON.stringify({ model: 'split', messages }),
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const share = mocks.a!.requests.length / total;
    expect(mocks.a!.requests.length + mocks.b!.requests.length).toBe(total);
    expect(share).toBeGreaterThan(0.70);
    expect(share).toBeLessThan(0.80);
    // The upstream model is the deployment's, and the configured key replaces the client's.
    expect(mocks.a!.requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini' });
    expect(mocks.a!.requests[0]!.headers.authorization).toBe('Bearer sk-a-configured-key-000000');
  }, 60_000);

  it('fails over from a deployment answering 503 to the next one within the same call, and records both attempts', async () => {
    mocks.down!.scenario = 'error-503';
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { response } = await call('ha');
      expect(response.status).toBe(200);
      expect(response.headers.get('periscope-provider')).toBe('up');
      ids.push(response.headers.get('periscope-request-id')!);
    }
    const rows = await Promise.all(ids.map((id) => h.row(id, project)));
    const failedOver = rows.filter((r) => r.attempts === 2);
    expect(failedOver.length).toBeGreaterThan(0);
    expect(failedOver[0]!.attempt_log).toMatchObject([
      { model: 'ha', provider: 'down', upstream_model: 'gpt-4o-mini', status: 503, error_type: 'http_503' },
      { model: 'ha', provider: 'up', status: 200, error_type: '' },
    ]);
    expect(failedOver[0]!.provider).toBe('up');
    // Two failures took `down` out of rotation: it saw at most the first two tries.
    expect(mocks.down!.requests.length).toBeLessThanOrEqual(2);
  });

  it('waits at least the Retry-After of a 429 before retrying', async () => {
    mocks.solo!.enqueueScenarios('error-429,retry-after-400');
    const t0 = performance.now();
    const { response } = await call('solo');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400);
    expect(response.status).toBe(200);
    expect(response.headers.get('periscope-attempts')).toBe('2');
    expect(mocks.solo!.requests).toHaveLength(2);
    const row = await h.row(response.headers.get('periscope-request-id')!, project);
    expect(row.attempt_log.map((a) => a.status)).toEqual([429, 200]);
  });

  it('a Retry-After longer than allowed ends the retries and relays the 429 as the provider sent it', async () => {
    mocks.solo!.enqueueScenarios('error-429,retry-after-60000');
    const err = await call('solo').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after-ms')).toBe('60000');
    expect(mocks.solo!.requests).toHaveLength(1);
  });

  it('a stream that fails before its first byte falls back to the next model; the client sees one clean stream', async () => {
    mocks.first!.enqueueScenarios('error-500');
    const stream = client().chat.completions.create({ model: 'primary', messages, stream: true });
    const { data, response } = await stream.withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(response.headers.get('periscope-fallback')).toBe('secondary');
    expect(mocks.second!.requests[0]!.body).toMatchObject({ model: 'gpt-4o', stream: true });
    const row = await h.row(response.headers.get('periscope-request-id')!, project);
    expect(row).toMatchObject({ fallback_model: 'secondary', provider: 'second', status: 200, streamed: true, attempts: 2 });
    expect(row.completion_tokens).toBeGreaterThan(0);
  });

  it('an attempt that does not start within attempt_timeout_ms falls back too', async () => {
    mocks.first!.enqueueScenarios('slow-headers-1000');
    const { response } = await call('primary');
    expect(response.headers.get('periscope-fallback')).toBe('secondary');
    const row = await h.row(response.headers.get('periscope-request-id')!, project);
    expect(row.attempt_log).toMatchObject([{ provider: 'first', status: 0, error_type: 'upstream_timeout' }, { provider: 'second', status: 200 }]);
  });

  it('a stream that fails after its first byte is not retried and its partial answer is logged', async () => {
    mocks.first!.enqueueScenarios('error-mid-stream');
    const stream = await client().chat.completions.create({ model: 'primary', messages, stream: true }).withResponse();
    const requestId = stream.response.headers.get('periscope-request-id')!;
    let chunks = 0;
    const failure = await (async () => {
      for await (const _chunk of stream.data) chunks++;
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(chunks).toBeGreaterThan(0);
    expect(mocks.first!.requests).toHaveLength(1);
    expect(mocks.second!.requests).toHaveLength(0);
    const row = await h.row(requestId, project);
    expect(row).toMatchObject({ attempts: 1, fallback_model: '', status: 200, streamed: true });
    expect(row.error_type).not.toBe('');
    expect(row.response_body).toContain('data:');
  });

  it('cooldown takes a flapping deployment out of rotation and a probe brings it back', async () => {
    mocks.f1!.scenario = 'error-503';
    for (let i = 0; i < 6; i++) expect((await call('flap')).response.status).toBe(200);
    expect(mocks.f1!.requests).toHaveLength(2); // two failures, then cooled down
    expect(mocks.f2!.requests).toHaveLength(6);
    mocks.f1!.scenario = undefined;
    await new Promise((r) => setTimeout(r, 700));
    const { response } = await call('flap');
    expect(response.headers.get('periscope-provider')).toBe('f1'); // the probe
    expect(mocks.f1!.requests).toHaveLength(3);
  });

  it('header overrides: retries off, a retry count, and fallbacks chosen by the client', async () => {
    mocks.solo!.enqueueScenarios('error-500');
    const off = await call('solo', { 'Periscope-Retry-Enabled': 'false' }).catch((e: unknown) => e);
    expect(off).toBeInstanceOf(OpenAI.InternalServerError);
    expect(mocks.solo!.requests).toHaveLength(1);

    mocks.solo!.reset();
    mocks.solo!.enqueueScenarios('error-500', 'error-529', 'error-503');
    const { response } = await call('solo', { 'Periscope-Retry-Num': '3' });
    expect(response.headers.get('periscope-attempts')).toBe('4');

    mocks.solo!.reset();
    mocks.solo!.scenario = 'error-503';
    const fb = await call('solo', { 'Helicone-Fallbacks': 'secondary', 'Periscope-Retry-Enabled': 'false' });
    expect(fb.response.headers.get('periscope-fallback')).toBe('secondary');
    expect(fb.response.headers.get('periscope-provider')).toBe('second');

    const bad = await call('solo', { 'Periscope-Retry-Num': 'lots' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as Error).message).toMatch(/Retry-Num/);
  });

  it('Periscope-Provider picks one deployment of a model', async () => {
    for (let i = 0; i < 5; i++) {
      const { response } = await call('split', { 'Periscope-Provider': 'b' });
      expect(response.headers.get('periscope-provider')).toBe('b');
    }
    expect(mocks.a!.requests).toHaveLength(0);
  });
});
