import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@periscope/proxy';
import { ADMIN_TOKEN, startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

let h: GatewayHarness;
let key: string;
let random: () => number;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

beforeAll(async () => {
  // Every request comes from 127.0.0.1: without a high bar the auth guard would answer most of them 429.
  h = await startGatewayHarness(() => ({}), { config: () => ({ gateway: { max_auth_failures_per_minute: 1_000_000 } }) });
  ({ key } = await h.newProject());
  // Seeded: the same 10,000 requests on every run, so a failure can be replayed.
  random = seededRandom(20261125);
}, 60_000);
afterAll(async () => h?.close());

const PATHS = [
  '/v1/chat/completions', '/v1/messages', '/v1/embeddings', '/v1/responses', '/v1/completions', '/openai/v1/chat/completions',
  '/anthropic/v1/messages', '/v1/models', '/groq/v1/chat/completions', '/nope/v1/x', '/v1/../../etc/passwd', '/v1/%00', '/v1/%ff%fe',
  `/v1/${'a'.repeat(5000)}`, '/openai/v1/chat/completions?key=sk-abc', '/%2e%2e/%2e%2e/', '/api/requests', '/api/keys', '/api/requests/%00',
];

function body(): Buffer | string {
  switch (Math.floor(random() * 14)) {
    case 0: return bytes(Math.floor(random() * 2000));
    case 1: return '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}'.slice(0, Math.floor(random() * 60));
    case 2: return '['.repeat(1 + Math.floor(random() * 5000));
    case 3: return JSON.stringify({ model: pick([123, null, [], {}, '', 'x'.repeat(3000), 'gpt-4o-mini', 'claude-sonnet-4-5']), messages: pick(['x', null, 5, [], [{}], [{ role: 'user', content: 'hi' }]]) });
    case 4: return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: pick(['yes', 1, null, true]), stream_options: pick(['x', { include_usage: 'no' }, null]) });
    case 5: return Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'), bytes(20), Buffer.from('"}]}')]);
    case 6: return '{"__proto__":{"polluted":true},"model":"gpt-4o-mini","messages":[]}';
    case 7: return '{"constructor":{"prototype":{"polluted":true}},"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}';
    case 8: return `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"${'\\u0000'.repeat(100)}"}]}`;
    case 9: return '';
    case 10: return 'null';
    case 11: return `{"model":"gpt-4o-mini","max_tokens":${pick(['-1', '1e309', '9007199254740993', '"10"'])},"messages":[{"role":"user","content":"x"}]}`;
    case 12: return JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: pick(['user', 'bogus', '']), content: pick(['x', [], [{ type: 'nope' }]]) }], system: pick([5, 'sys', [{ type: 'text' }]]) });
    default: return '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"model":"dup"}';
  }
}

function headers(): Record<string, string> {
  const out: Record<string, string> = {};
  const auth = pick([`Bearer ${key}`, 'Bearer psk_live_garbage', '', 'Basic Zm9vOmJhcg==', `Bearer ${key}x`, 'Bearer']);
  if (auth) out['periscope-auth'] = auth;
  out['content-type'] = pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']);
  if (random() < 0.3) out['periscope-retry-num'] = pick(['-1', '1e3', 'abc', '3', '']);
  if (random() < 0.3) out['periscope-fallbacks'] = pick(['[', '["a",1]', 'a,,b', 'gpt-4o', '{"x":1}']);
  if (random() < 0.2) out['periscope-target-url'] = pick(['http://127.0.0.1:1', 'javascript:alert(1)', '::', 'http://[::1', 'file:///etc/passwd']);
  if (random() < 0.2) out['periscope-request-id'] = pick(['../../x', 'a'.repeat(500), 'ok-id']);
  if (random() < 0.2) out['periscope-property-x'] = 'y'.repeat(Math.floor(random() * 9000));
  if (random() < 0.1) out.authorization = `Bearer ${ADMIN_TOKEN}`;
  if (random() < 0.1) out['x-mock-scenario'] = pick(['error-500', 'bogus-scenario', 'slow-headers-5']);
  return out;
}

/** Malformed at the HTTP level: what a fetch client cannot send. */
function rawRequest(): string {
  const path = pick(PATHS);
  switch (Math.floor(random() * 8)) {
    case 0: return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello`;
    case 1: return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n`;
    case 2: return `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n`;
    case 3: return `GARBAGE\r\n\r\n`;
    case 4: return `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`;
    case 5: return `POST ${path} HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n`;
    case 6: return `POST ${path} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\n\r\n`;
    default: return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`;
  }
}

function sendRaw(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(3000, () => socket.destroy());
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('close', () => resolve(reply));
    socket.on('error', () => resolve(reply));
    socket.end(text);
  });
}

describe('fuzz: 10,000 malformed requests against the proxy and the API', () => {
  it('answers every one with the expected 4xx (or a relayed provider answer), never a 5xx of its own, and stays up with bounded memory', async () => {
    const port = Number(new URL(h.url).port);
    const rssBefore = process.memoryUsage().rss;
    const statuses = new Map<number, number>();
    const fiveHundreds: string[] = [];
    const total = 10_000;
    let sent = 0;
    const worker = async () => {
      while (sent < total) {
        const n = sent++;
        if (n % 10 === 0) {
          const reply = await sendRaw(port, rawRequest());
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) fiveHundreds.push(`raw #${n}: ${reply.slice(0, 200)}`);
          continue;
        }
        const path = pick(PATHS);
        const method = pick(['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH']);
        const payload = method === 'GET' ? undefined : body();
        const res = await fetch(h.url + path, { method, headers: headers(), body: typeof payload === 'string' || payload === undefined ? payload : new Uint8Array(payload) }).catch((e: Error) => e);
        if (res instanceof Error) {
          statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
          continue;
        }
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        // The mock's own 500 scenario is a provider answer, relayed; anything else at 5xx is the gateway's fault.
        const relayed = res.status === 500 && text.includes('The server had an error while processing your request');
        if (res.status >= 500 && !relayed) fiveHundreds.push(`#${n} ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log('fuzz statuses', Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])));
    expect(fiveHundreds).toEqual([]);
    expect(statuses.get(-1) ?? 0).toBe(0);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect(h.logs()).not.toContain('unexpected error in the gateway');
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.log(`fuzz RSS growth: ${grownMb.toFixed(0)} MB`);
    expect(grownMb).toBeLessThan(400);
  }, 180_000);
});
