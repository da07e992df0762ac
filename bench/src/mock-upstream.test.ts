/**
 * The bench's Go mock answers the bench's calls as testkit's mock upstream does: the same status,
 * headers and body (ids and timestamps aside), the same SSE frames, paced the same way, and
 * OpenAI's error shape for what it does not serve.
 */
import { startMockUpstream as startTestkitMock, type MockUpstream as TestkitMock } from '@periscope/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBenchMock, type BenchMock } from './mock-upstream.ts';
import { CHAT_BODY } from './vegeta.ts';
import { STREAM_BODY } from './scenarios/streams.ts';

const CHUNKS = 4;
const INTERVAL_MS = 15;
/** Headers the HTTP servers set themselves (Node and Go differ here, and clients do not read them). */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

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

function headerNames(a: Answer): string[] {
  return Object.keys(a.headers).filter((h) => !TRANSPORT.has(h)).sort();
}

function frames(text: string): string[] {
  return text.split('\n\n').filter(Boolean).map((f) => {
    expect(f.startsWith('data: ')).toBe(true);
    return normalise(f);
  });
}

describe('the bench mock (Go) against testkit mock upstream', () => {
  it('answers the bench chat call with the same headers and body', async () => {
    const [a, b] = await Promise.all([call(go.url, CHAT_BODY), call(node.url, CHAT_BODY)]);
    expect(a.status).toBe(200);
    expect(headerNames(a)).toEqual(headerNames(b));
    expect(a.headers['content-type']).toBe(b.headers['content-type']);
    expect(a.headers['x-ratelimit-remaining-tokens']).toBe(b.headers['x-ratelimit-remaining-tokens']);
    expect(Number(a.headers['content-length'])).toBe(Buffer.byteLength(a.text));
    expect(normalise(a.text)).toBe(normalise(b.text));
  });

  it('streams the same frames, one every interval', async () => {
    const [a, b] = await Promise.all([call(go.url, STREAM_BODY), call(node.url, STREAM_BODY)]);
    expect(a.status).toBe(200);
    expect(headerNames(a)).toEqual(headerNames(b));
    expect(a.headers['content-type']).toBe(b.headers['content-type']);
    const ours = frames(a.text);
    // role, CHUNKS pieces, finish, usage, [DONE]; testkit's usage frame may count cached tokens.
    expect(ours).toHaveLength(CHUNKS + 4);
    const uncached = (f: string) => f.replace(/"cached_tokens":\d+/, '"cached_tokens":0');
    expect(ours.map(uncached)).toEqual(frames(b.text).map(uncached));
    // The first frame comes at once; the rest are paced (each write leaves as its own chunk).
    expect(a.arrivals[0]).toBeLessThan(INTERVAL_MS * 3);
    expect(a.arrivals.at(-1)! - a.arrivals[0]!).toBeGreaterThanOrEqual((CHUNKS + 3) * INTERVAL_MS * 0.9);
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
