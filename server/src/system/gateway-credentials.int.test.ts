import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { RecordedRequest } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/**
 * A client's provider key only ever goes to a provider of its kind (issue 14 §5): an Anthropic
 * key never to an OpenAI-type upstream, an OpenAI key never to Anthropic, whichever way the
 * call was routed (path prefix, model name, `models:` alias, Periscope-Target-Url). When it
 * does not fit, the provider's configured key is used, and without one the call is refused.
 */
const ANTHROPIC_CLIENT_KEY = 'sk-ant-api03-clientCANARYa1b2c3d4e5f6';
const OPENAI_CLIENT_KEY = 'sk-proj-clientCANARYf6e5d4c3b2a1';
/** Not shaped like anyone's key: the dialect of the call decides whose it is. */
const PLAIN_CLIENT_KEY = 'plain-client-CANARY-0123456789';
const CONFIGURED_ANTHROPIC = 'sk-ant-api03-configuredanthropic0000';
const CONFIGURED_OPENAI = 'sk-proj-configuredopenai0000000000';

let h: GatewayHarness;
let gatewayKey: string;

beforeAll(async () => {
  h = await startGatewayHarness((mockUrl) => ({
    'anthropic-keyed': { type: 'anthropic', base_url: mockUrl, api_key: CONFIGURED_ANTHROPIC },
    'openai-keyed': { type: 'openai', base_url: `${mockUrl}/v1`, api_key: CONFIGURED_OPENAI },
  }), {
    config: (mockUrl) => ({
      models: {
        'claude-alias': { deployments: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }] },
        'claude-keyed-alias': { deployments: [{ provider: 'anthropic-keyed', model: 'claude-haiku-4-5' }] },
        'gpt-alias': { deployments: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      },
      gateway: { target_urls: [mockUrl], allow_private_networks: ['127.0.0.1/32'] },
    }),
  });
  ({ key: gatewayKey } = await h.newProject());
}, 60_000);
afterAll(async () => h?.close());

const messages = [{ role: 'user' as const, content: 'whose key?' }];
const gateway = () => ({ 'Periscope-Auth': `Bearer ${gatewayKey}` });
const openaiSdk = (apiKey: string, baseURL = `${h.url}/v1`) => new OpenAI({ apiKey, baseURL, maxRetries: 0, defaultHeaders: gateway() });
const anthropicSdk = (apiKey: string, baseURL = h.url) => new Anthropic({ apiKey, baseURL, maxRetries: 0, defaultHeaders: gateway() });

/** Runs a call and returns what reached the provider because of it. */
async function upstreamOf<T>(call: () => Promise<T>): Promise<{ result: T | Error; upstream: RecordedRequest[] }> {
  const before = h.mock.requests.length;
  const result = await call().catch((e: Error) => e);
  return { result, upstream: h.mock.requests.slice(before) };
}

const credentialsIn = (r: RecordedRequest) => [r.headers.authorization, r.headers['x-api-key'], r.headers['api-key'], r.headers['x-goog-api-key']].filter(Boolean);

async function post(path: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...gateway(), ...headers }, body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a client key goes only to a provider of its kind', () => {
  it('an Anthropic SDK or Claude Code given the OpenAI base URL (/v1/v1/messages) is told which base URL to use; nothing is sent', async () => {
    const { result, upstream } = await upstreamOf(() => anthropicSdk(ANTHROPIC_CLIENT_KEY, `${h.url}/v1`).messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages }));
    expect(result).toBeInstanceOf(Anthropic.NotFoundError);
    expect((result as Error).message).toMatch(/\/v1\/v1\/messages repeats \/v1.*ANTHROPIC_BASE_URL.*without \/v1/);
    expect((result as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(upstream).toEqual([]);

    const openai = await upstreamOf(() => openaiSdk(OPENAI_CLIENT_KEY, `${h.url}/v1/v1`).chat.completions.create({ model: 'gpt-4o-mini', messages }));
    expect(openai.result).toBeInstanceOf(OpenAI.NotFoundError);
    expect((openai.result as Error).message).toMatch(/repeats \/v1.*remove the extra \/v1/);
    expect(openai.upstream).toEqual([]);
  });

  it.each([
    // [what, path, headers, body, dialect of the answer]
    ['an Anthropic key (x-api-key) on the /openai prefix', '/openai/v1/chat/completions', { 'x-api-key': ANTHROPIC_CLIENT_KEY }, { model: 'gpt-4o-mini', messages }, 'openai'],
    ['an Anthropic key (bearer) on the /openai prefix', '/openai/v1/chat/completions', { authorization: `Bearer ${ANTHROPIC_CLIENT_KEY}` }, { model: 'gpt-4o-mini', messages }, 'openai'],
    ['an OpenAI key on the /anthropic prefix', '/anthropic/v1/messages', { authorization: `Bearer ${OPENAI_CLIENT_KEY}`, 'anthropic-version': '2023-06-01' }, { model: 'claude-haiku-4-5', max_tokens: 5, messages }, 'anthropic'],
    ['an OpenAI-style key on a claude model (name pattern)', '/v1/chat/completions', { authorization: `Bearer ${PLAIN_CLIENT_KEY}` }, { model: 'claude-haiku-4-5', messages }, 'openai'],
    ['an Anthropic SDK\'s key on a gpt model (name pattern)', '/v1/messages', { authorization: `Bearer ${PLAIN_CLIENT_KEY}`, 'anthropic-version': '2023-06-01' }, { model: 'gpt-4o-mini', max_tokens: 5, messages }, 'anthropic'],
    ['an OpenAI-style key on an alias served by Anthropic', '/v1/chat/completions', { authorization: `Bearer ${PLAIN_CLIENT_KEY}` }, { model: 'claude-alias', messages }, 'openai'],
    ['an Anthropic key on an alias served by OpenAI', '/v1/messages', { 'x-api-key': ANTHROPIC_CLIENT_KEY, 'anthropic-version': '2023-06-01' }, { model: 'gpt-alias', max_tokens: 5, messages }, 'anthropic'],
  ] as const)('%s: refused when the provider has no configured key, and nothing is sent', async (_what, path, headers, body, dialect) => {
    const { result, upstream } = await upstreamOf(() => post(path, headers, body));
    expect(result).toMatchObject({ status: 400 });
    const answer = (result as { body: Record<string, unknown> }).body;
    if (dialect === 'anthropic') expect(answer).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('is not sent to provider') } });
    else expect(answer).toMatchObject({ error: { code: 'credential_mismatch', message: expect.stringContaining('is not sent to provider') } });
    expect(JSON.stringify(answer)).not.toMatch(/CANARY/);
    expect(upstream).toEqual([]);
  });

  it('when the provider has a configured key, it is used instead of a key of the wrong kind (prefix, name pattern, alias)', async () => {
    const cases = [
      ['/openai-keyed/v1/chat/completions', { 'x-api-key': ANTHROPIC_CLIENT_KEY }, { model: 'gpt-4o-mini', messages }, `Bearer ${CONFIGURED_OPENAI}`],
      ['/anthropic-keyed/v1/messages', { authorization: `Bearer ${OPENAI_CLIENT_KEY}`, 'anthropic-version': '2023-06-01' }, { model: 'claude-haiku-4-5', max_tokens: 5, messages }, CONFIGURED_ANTHROPIC],
      ['/v1/chat/completions', { authorization: `Bearer ${OPENAI_CLIENT_KEY}` }, { model: 'gemini-2.5-flash', messages }, 'Bearer gemini-configured-key-123'],
      ['/v1/chat/completions', { authorization: `Bearer ${PLAIN_CLIENT_KEY}` }, { model: 'claude-keyed-alias', messages }, CONFIGURED_ANTHROPIC],
      ['/azure/v1/chat/completions', { 'x-api-key': ANTHROPIC_CLIENT_KEY }, { model: 'dep', messages }, 'azure-configured-key-123'],
    ] as const;
    for (const [path, headers, body, expected] of cases) {
      const { result, upstream } = await upstreamOf(() => post(path, headers, body));
      expect(result, `${path} ${body.model}`).toMatchObject({ status: expect.any(Number) });
      expect(upstream).toHaveLength(1);
      expect(upstream.flatMap(credentialsIn), `${path} ${body.model}`).toEqual([expected]);
    }
  });

  it('on a path both providers have (/v1/models), anthropic-version says whose key it is and where the call goes', async () => {
    const list = (headers: Record<string, string>) => upstreamOf(() => fetch(`${h.url}/v1/models`, { headers: { ...gateway(), ...headers } }).then((r) => r.status));
    // The Anthropic SDK (and Claude Code's model discovery) lists Anthropic's models, with its own key.
    const anthropicSdk = await list({ authorization: `Bearer ${PLAIN_CLIENT_KEY}`, 'anthropic-version': '2023-06-01' });
    expect(anthropicSdk.result).toBe(200);
    expect(anthropicSdk.upstream).toHaveLength(1);
    expect(anthropicSdk.upstream[0]!.headers['anthropic-version']).toBe('2023-06-01');
    expect(anthropicSdk.upstream.flatMap(credentialsIn).join(' ')).toContain(PLAIN_CLIENT_KEY);
    const openaiSdk = await list({ authorization: `Bearer ${PLAIN_CLIENT_KEY}` });
    expect(openaiSdk.result).toBe(200);
    expect(openaiSdk.upstream.flatMap(credentialsIn)).toEqual([`Bearer ${PLAIN_CLIENT_KEY}`]);
  });

  it('a client that sends both kinds on an OpenAI path: the OpenAI-style key goes, the Anthropic key stays', async () => {
    const { upstream } = await upstreamOf(() => post('/v1/chat/completions', {
      authorization: `Bearer ${PLAIN_CLIENT_KEY}`, 'x-api-key': ANTHROPIC_CLIENT_KEY, 'anthropic-version': '2023-06-01',
    }, { model: 'gpt-4o-mini', messages }));
    expect(upstream.flatMap(credentialsIn)).toEqual([`Bearer ${PLAIN_CLIENT_KEY}`]);
  });

  it('a Periscope-Target-Url that speaks Anthropic never gets an OpenAI key', async () => {
    const { result, upstream } = await upstreamOf(() => post('/v1/messages', {
      authorization: `Bearer ${OPENAI_CLIENT_KEY}`, 'anthropic-version': '2023-06-01', 'Periscope-Target-Url': h.mock.url,
    }, { model: 'claude-haiku-4-5', max_tokens: 5, messages }));
    expect(result).toMatchObject({ status: 400 });
    expect(upstream).toEqual([]);
  });

  it('keys of the right kind go through as sent, through the official SDKs', async () => {
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      ['Anthropic SDK, Anthropic key', () => anthropicSdk(ANTHROPIC_CLIENT_KEY).messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages }), `Bearer ${ANTHROPIC_CLIENT_KEY}`],
      ['Anthropic SDK, a key of no known shape', () => anthropicSdk(PLAIN_CLIENT_KEY).messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages }), `Bearer ${PLAIN_CLIENT_KEY}`],
      ['OpenAI SDK, OpenAI key', () => openaiSdk(OPENAI_CLIENT_KEY).chat.completions.create({ model: 'gpt-4o-mini', messages }), `Bearer ${OPENAI_CLIENT_KEY}`],
      ['OpenAI SDK on Groq, its own key', () => openaiSdk(PLAIN_CLIENT_KEY, `${h.url}/groq/v1`).chat.completions.create({ model: 'llama-3.3-70b', messages }), `Bearer ${PLAIN_CLIENT_KEY}`],
    ];
    for (const [what, call, expected] of cases) {
      const { result, upstream } = await upstreamOf(call);
      expect(result, what).not.toBeInstanceOf(Error);
      expect(upstream.flatMap(credentialsIn), what).toEqual([expected]);
    }
  });
});
