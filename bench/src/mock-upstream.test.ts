/**
 * The bench's Go mock answers the bench's calls as testkit's mock upstream does: the same status,
 * headers and body (ids and timestamps aside), the same SSE frames, paced the same way, and
 * OpenAI's error shape for what it does not serve.
 */
import { startMockUpstream as startTestkitMock, type MockUpstream as TestkitMock } from '@periscope/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from './agent-body.ts';
import { startBenchMock, type BenchMock } from './mock-upstream.ts';
import { CHAT_BODY } from './vegeta.ts';
import { STREAM_BODY } from './scenarios/streams.ts';

const CHUNKS = 4;
const INTERVAL_MS = 40;
/** Headers whose values differ between any two calls. */
const PER_CALL = new Set(['date', 'x-request-id', 'openai-processing-ms']);

let go: BenchMock;
let node: TestkitMock;

beforeAll(async () => {
  [go, node] = await Promise.all([
    startBenchMock({ chunks: CHUNKS, intervalMs: INTERVAL_MS }),
    startTestkitMock({ record: false, requireAuth: false, chunkCount: CHUNKS, chunkIntervalMs: INTERVAL_MS }),
  ]);
}, 5 * 60_000);
afterAll(async () => {
  await go?.stop();
  await node?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** When each body chunk arrived, in ms after the request was sent. */
  arrivals: number[];
}

async function call(origin: string, body: string, path = '/v1/chat/completions'): Promise<Answer> {
  const t0 = performance.now();
  const res = await request(origin + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body });
  const chunks: Buffer[] = [];
  const arrivals: number[] = [];
  for await (const chunk of res.body) {
    arrivals.push(performance.now() - t0);
    chunks.push(chunk as Buffer);
  }
  const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
  return { status: res.statusCode, headers, text: Buffer.concat(chunks).toString('utf8'), arrivals };
}

/** The same bytes but for what differs between any two calls: ids and timestamps. */
function normalise(json: string): string {
  return json.replace(/"id":"[^"]*"/g, '"id":"ID"').replace(/"created":\d+/g, '"created":0');
}

function stableHeaders(a: Answer): Record<string, string> {
  return Object.fromEntries(Object.entries(a.headers).filter(([h]) => !PER_CALL.has(h)));
}

function frames(text: string): string[] {
  return text.split('\n\n').filter(Boolean).map((f) => {
    expect(f.startsWith('data: ')).toBe(true);
    return normalise(f);
  });
}

describe('the bench mock (Go) against testkit mock upstream', () => {
  it('answers the bench chat call with the same headers and body, and a repeat as a cache read', async () => {
    for (let i = 0; i < 2; i++) {
      const [a, b] = await Promise.all([call(go.url, CHAT_BODY), call(node.url, CHAT_BODY)]);
      expect(a.status).toBe(200);
      expect(Object.keys(a.headers).sort()).toEqual(Object.keys(b.headers).sort());
      expect(stableHeaders(a)).toEqual(stableHeaders(b));
      expect(Number(a.headers['content-length'])).toBe(Buffer.byteLength(a.text));
      expect(normalise(a.text)).toBe(normalise(b.text));
      expect(JSON.parse(a.text).usage.prompt_tokens_details.cached_tokens).toBe(i === 0 ? 0 : Math.floor(JSON.parse(a.text).usage.prompt_tokens / 2));
    }
  });

  it('counts and answers an agent-sized prompt as testkit does: non-ASCII, characters outside the BMP, text parts', async () => {
    const agent = JSON.parse(agentBody(20_000)) as { model: string; messages: Array<{ role: string; content: unknown }> };
    agent.messages.push({ role: 'user', content: [{ type: 'text', text: 'résumé 🎉 𝄞 done' }, { type: 'image_url', image_url: { url: 'x' } }] });
    const body = JSON.stringify(agent);
    const [a, b] = await Promise.all([call(go.url, body), call(node.url, body)]);
    expect(a.status).toBe(200);
    // The reply holds the prompt's hash and the usage its length in UTF-16 units.
    expect(normalise(a.text)).toBe(normalise(b.text));
    expect(JSON.parse(a.text).usage.prompt_tokens).toBeGreaterThan(4000);
  });

  it('streams the same frames, one every interval', async () => {
    const [a, b] = await Promise.all([call(go.url, STREAM_BODY), call(node.url, STREAM_BODY)]);
    expect(a.status).toBe(200);
    expect(stableHeaders(a)).toEqual(stableHeaders(b));
    const ours = frames(a.text);
    // role, CHUNKS pieces, finish, usage, [DONE]
    expect(ours).toHaveLength(CHUNKS + 4);
    expect(ours).toEqual(frames(b.text));
    // Paced: the frames arrive over (frames - 1) intervals, not in one burst (a stalled reader
    // on a busy machine may still read two frames as one chunk, so not one arrival per frame).
    expect(a.arrivals.at(-1)! - a.arrivals[0]!).toBeGreaterThanOrEqual((CHUNKS + 3) * INTERVAL_MS * 0.9);
    expect(a.arrivals.length).toBeGreaterThanOrEqual(Math.ceil((CHUNKS + 4) / 2));
  });

  it('leaves usage out of a stream that did not ask for it, as OpenAI does', async () => {
    const body = JSON.stringify({ ...JSON.parse(STREAM_BODY), stream_options: undefined });
    const [a, b] = await Promise.all([call(go.url, body), call(node.url, body)]);
    expect(frames(a.text)).toHaveLength(CHUNKS + 3);
    expect(frames(a.text)).toEqual(frames(b.text));
  });

  it('answers what it does not serve in OpenAI error shape', async () => {
    const unknown = await call(go.url, CHAT_BODY, '/v1/embeddings');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('/v1/embeddings') } });
    const bad = await call(go.url, '{"model":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
  });
});
