import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockUpstream, startRedisServer, type MockUpstream, type RedisServer } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { createGatewayKey, startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';

const messages = [{ role: 'user' as const, content: 'Count me.' }];

/** Counters are per UTC minute: a burst must not straddle two. */
async function awayFromMinuteEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 6_000) await new Promise((r) => setTimeout(r, left + 100));
}

function openaiFor(url: string, key: string, headers: Record<string, string> = {}) {
  return new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, ...headers } });
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

describe('limits and budgets in one process (in-memory counters)', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness(() => ({}), {
      config: () => ({
        models: {
          'rpm-model': { deployments: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          'tpm-model': { deployments: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          'conc-model': { deployments: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          'budget-model': { deployments: [{ provider: 'openai', model: 'priced-model' }] },
        },
        pricing: { 'priced-model': { input: 100, output: 100 } },
        limits: [
          { match: { key: '*', model: 'rpm-model' }, rpm: 5 },
          { match: { user: '*', model: 'tpm-model' }, tpm: 10 },
          { match: { key: '*', model: 'conc-model' }, concurrency: 2 },
          { match: { project: '*', model: 'budget-model' }, budget_usd: { day: 0.02 } },
        ],
      }),
    });
  }, 60_000);
  afterAll(async () => h?.close());

  it('requests per minute: the 5th call passes, the 6th gets 429 in the provider shape with RateLimit-* headers', async () => {
    await awayFromMinuteEdge();
    const { key } = await h.newProject();
    const openai = openaiFor(h.url, key);
    for (let i = 0; i < 5; i++) {
      const { response } = await openai.chat.completions.create({ model: 'rpm-model', messages }).withResponse();
      expect(response.headers.get('ratelimit-limit')).toBe('5');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(4 - i));
    }
    const err = (await openai.chat.completions.create({ model: 'rpm-model', messages }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    expect(err.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(err.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(h.mock.requests.filter((r) => (r.headers['periscope-auth'] ?? '') === '').length).toBeGreaterThan(0);

    // The same key on the Anthropic route gets Anthropic's error shape.
    const anthropic = new Anthropic({ apiKey: 'unused', baseURL: h.url, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
    const aErr = await anthropic.messages.create({ model: 'rpm-model', max_tokens: 10, messages }).catch((e: unknown) => e);
    expect(aErr).toBeInstanceOf(Anthropic.RateLimitError);
    expect((aErr as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });

    const other = await h.newProject(); // another key has its own counter
    expect(await status(openaiFor(h.url, other.key).chat.completions.create({ model: 'rpm-model', messages }))).toBe(200);
  });

  it('tokens per minute count what the first call used', async () => {
    await awayFromMinuteEdge();
    const { key } = await h.newProject();
    const openai = openaiFor(h.url, key, { 'Periscope-User-Id': 'tpm-user' });
    const first = await openai.chat.completions.create({ model: 'tpm-model', messages });
    expect(first.usage!.total_tokens).toBeGreaterThan(10);
    await new Promise((r) => setTimeout(r, 50)); // usage is counted when the call's event is built
    expect(await status(openai.chat.completions.create({ model: 'tpm-model', messages }))).toBe(429);
    expect(await status(openaiFor(h.url, key, { 'Periscope-User-Id': 'someone-else' }).chat.completions.create({ model: 'tpm-model', messages }))).toBe(200);
  });

  it('concurrency: a third call while two are in flight is refused', async () => {
    const { key } = await h.newProject();
    const openai = openaiFor(h.url, key, { 'x-mock-scenario': 'slow-headers-400' });
    const statuses = await Promise.all([0, 1, 2].map(() => status(openai.chat.completions.create({ model: 'conc-model', messages }))));
    expect(statuses.sort()).toEqual([200, 200, 429]);
    expect(await status(openai.chat.completions.create({ model: 'conc-model', messages }))).toBe(200); // slots came back
  });

  it('budget: the call that would exceed it is refused with 402, and spend stays within the budget', async () => {
    const { key, project } = await h.newProject();
    const openai = openaiFor(h.url, key);
    const results: number[] = [];
    for (let i = 0; i < 30 && !results.includes(402); i++) {
      results.push(await status(openai.chat.completions.create({ model: 'budget-model', messages, max_tokens: 20 })));
      await new Promise((r) => setTimeout(r, 30));
    }
    const rowsSoFar = await h.rows(project, '', 1);
    expect(rowsSoFar[0], JSON.stringify(rowsSoFar[0])).toMatchObject({ cost_known: true });
    expect(results.at(-1)).toBe(402);
    expect(results.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const err = (await openai.chat.completions.create({ model: 'budget-model', messages, max_tokens: 20 }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(402);
    expect(err.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    expect(err.message).toMatch(/\$0\.02 per day/);
    const rows = await h.rows(project, '', results.filter((s) => s === 200).length);
    const spent = rows.reduce((sum, r) => sum + r.cost_usd, 0);
    expect(spent).toBeGreaterThan(0.01);
    expect(spent).toBeLessThanOrEqual(0.02);
    // Another project has its own budget.
    const other = await h.newProject();
    expect(await status(openaiFor(h.url, other.key).chat.completions.create({ model: 'budget-model', messages, max_tokens: 20 }))).toBe(200);
  });
});

describe('limits shared by two proxy processes through Redis', () => {
  let redis: RedisServer;
  let mock: MockUpstream;
  let a: GatewayHarness;
  let b: PeriscopeProcess;

  const limits = [{ match: { project: '*' }, rpm: 10 }];

  beforeAll(async () => {
    redis = await startRedisServer();
    mock = await startMockUpstream();
    a = await startGatewayHarness(() => ({}), { config: () => ({ limits }), env: { PERISCOPE_REDIS_URL: redis.url } });
    b = await startPeriscopeProcess({ providers: { openai: { type: 'openai', base_url: `${mock.url}/v1` } }, limits }, { PERISCOPE_REDIS_URL: redis.url });
  }, 90_000);

  afterAll(async () => {
    await b?.stop();
    await a?.close();
    await mock?.close();
    await redis?.stop();
  });

  const keyOn = (url: string, project: string) => createGatewayKey(url, project, 'shared');

  it('30 calls spread over both proxies: exactly 10 pass a shared 10 rpm project limit', async () => {
    const project = `shared-${Date.now()}`;
    const clients = [openaiFor(a.url, await keyOn(a.url, project)), openaiFor(b.url, await keyOn(b.url, project))];
    await awayFromMinuteEdge();
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      status(clients[i % 2]!.chat.completions.create({ model: 'gpt-4o-mini', messages }))));
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  }, 30_000);
});
