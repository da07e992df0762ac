import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { seededRandom } from '@periscope/proxy';
import { attackCases, traversalPath } from '@periscope/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/** Counts every connection and request it gets: the test passes only if it stays at zero. */
interface Canary { server: Server; port: number; hits: number; connections: number }

async function listen(host: string, handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let h: GatewayHarness;
let canary: Canary;
let allowedUpstream: { server: Server; port: number; hits: number };
let redirector: { server: Server; port: number };
let key: string;

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ssrf?' }] });
const openaiReply = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

beforeAll(async () => {
  const c = { hits: 0, connections: 0 } as Canary;
  const cs = await listen('127.0.0.1', (_req, res) => { c.hits++; res.end('canary'); });
  cs.server.on('connection', () => c.connections++);
  canary = Object.assign(c, cs);
  const a = { hits: 0 } as { server: Server; port: number; hits: number };
  Object.assign(a, await listen('127.0.0.2', (req, res) => {
    a.hits++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(openaiReply);
  }));
  allowedUpstream = a;
  redirector = await listen('127.0.0.1', (req, res) => {
    req.resume();
    res.writeHead(302, { location: `http://127.0.0.1:${canary.port}/v1/chat/completions` }).end();
  });
  const p = canary.port;
  h = await startGatewayHarness((mockUrl) => ({
    redirector: { type: 'openai-compatible', base_url: `http://127.0.0.1:${redirector.port}/v1`, api_key: 'sk-redirect-000000000000' },
    deep: { type: 'openai-compatible', base_url: `${mockUrl}/tenant/a/v1`, api_key: 'deep-configured-key-0000' },
  }), {
    config: () => ({
      gateway: {
        // Listed on purpose: the guard must still refuse them after resolving them.
        target_urls: [
          `http://localhost:${p}`, `http://localhost.:${p}`, `http://127.0.0.1:${p}`, `http://[::ffff:127.0.0.1]:${p}`,
          `http://2130706433:${p}`, `http://0x7f.0.0.1:${p}`, `http://0177.0.0.1:${p}`, `http://127.1:${p}`,
          `http://127.0.0.2:${allowedUpstream.port}/v1`,
        ],
        allow_private_networks: ['127.0.0.2/32'],
      },
    }),
  });
  ({ key } = await h.newProject());
}, 60_000);

afterAll(async () => {
  await h?.close();
  for (const s of [canary?.server, allowedUpstream?.server, redirector?.server]) s?.close();
});

async function post(path: string, headers: Record<string, string> = {}, body = chat) {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-client-000000000000000000', ...headers },
    body,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A POST whose path goes on the wire exactly as written (fetch would resolve `..` itself). */
function rawPost(path: string): Promise<{ status: number; head: string; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(h.url).port), '127.0.0.1');
    let reply = '';
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
      const end = reply.indexOf('\r\n\r\n');
      resolve({ status, head: reply.slice(0, end).toLowerCase(), text: reply.slice(end + 4) });
    });
    // Not end(): a half-closed request looks like a client that left, and the gateway would stop.
    socket.write(`POST ${path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nContent-Type: application/json\r\nPeriscope-Auth: Bearer ${key}\r\nContent-Length: ${chat.length}\r\n\r\n${chat}`);
  });
}

describe('SSRF: a client cannot make the gateway reach a loopback canary', () => {
  it.each([
    'http://127.0.0.1:PORT', 'http://2130706433:PORT', 'http://0177.0.0.1:PORT', 'http://0x7f.0.0.1:PORT', 'http://127.1:PORT',
    'http://[::ffff:127.0.0.1]:PORT', 'http://[::1]:PORT', 'http://localhost:PORT', 'http://localhost.:PORT',
  ])('Periscope-Target-Url %s, although allow-listed, is refused after resolution', async (target) => {
    const url = target.replace('PORT', String(canary.port));
    const res = await post('/v1/chat/completions', { 'Periscope-Target-Url': url });
    // [::1] is not in the list at all (400); every other form is listed and blocked by the address guard (403).
    const listed = !url.includes('[::1]');
    expect(res.status, res.text).toBe(listed ? 403 : 400);
    expect(JSON.parse(res.text).error.code).toBe(listed ? 'target_blocked' : 'target_url_not_allowed');
  });

  it('refuses targets outside the allow-list before connecting, in both dialects and with the Helicone header', async () => {
    const openai = await post('/v1/chat/completions', { 'Helicone-Target-Url': `http://127.0.0.1:${canary.port + 1}` });
    expect(openai.status).toBe(400);
    const anthropic = await post('/v1/messages', { 'Periscope-Target-Url': 'http://169.254.169.254/latest/meta-data/' },
      JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }));
    expect(anthropic.status).toBe(400);
    expect(JSON.parse(anthropic.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('does not follow an upstream redirect to loopback: the 302 is relayed as it came', async () => {
    const res = await post('/redirector/v1/chat/completions');
    expect(res.status).toBe(302);
  });

  it('path, host and encoding tricks under a provider prefix stay on the configured host', async () => {
    const p = canary.port;
    for (const path of [
      `/openai/@127.0.0.1:${p}/v1/chat/completions`, `/openai//127.0.0.1:${p}/v1/chat/completions`,
      `/openai/..%2f..%2f127.0.0.1:${p}/x`, `/openai/%2e%2e/%2e%2e/127.0.0.1:${p}/`, `/openai/\\\\127.0.0.1:${p}/x`,
    ]) {
      const res = await post(path, { host: `127.0.0.1:${p}`, 'x-forwarded-host': `127.0.0.1:${p}` });
      expect(res.status, path).toBeLessThan(500);
    }
  });

  it('dot segments in any spelling are refused before anything is sent: /openai/../../x, %2e%2e, mixed case, %2f', async () => {
    const before = h.mock.requests.length;
    for (const path of [
      '/openai/../../x', '/openai/%2e%2e/%2e%2e/x', '/openai/%2E%2e/%2e%2E/x', '/openai/.%2e/x', '/openai/..%2f..%2fx', '/openai/v1%2f..%2f..%2fx',
      '/v1/../../x', '/deep/v1/../../../x', '/deep/%2e%2e/%2e%2e/x', '/anthropic/v1/..;/..;/x', '/openai/%252e%252e/x', '/openai/%5c..%5cx',
    ]) {
      const res = await rawPost(path);
      expect(res.status, path).toBe(400);
      // The OpenAI shape names the code; the Anthropic shape (the /anthropic prefix) has only the message.
      expect(res.text, path).toMatch(/"code":"invalid_path"|cannot leave the provider's base URL/);
    }
    // Overlong UTF-8 (`%c0%ae`) does not even decode: the HTTP layer refuses it before routing.
    expect((await rawPost('/openai/%c0%ae%c0%ae/x')).status).toBe(400);
    expect(h.mock.requests.length).toBe(before);
  });

  it('generated: no path climbs out of a provider\'s configured base path, whatever it reaches the gateway as (fixed seed)', async () => {
    const random = seededRandom(14_06);
    const before = h.mock.requests.length;
    const prefixes = [['/deep', '/tenant/a/v1/'], ['/openai', '/v1/'], ['/groq', '/v1/']] as const;
    let refused = 0;
    let relayed = 0;
    const total = attackCases(300);
    for (let i = 0; i < total; i++) {
      const [prefix] = prefixes[i % prefixes.length]!;
      const path = prefix + traversalPath(random);
      const res = await rawPost(path);
      expect(res.status, path).toBeGreaterThan(0);
      expect(res.status, path).toBeLessThan(500);
      // A relayed answer carries the provider's name; a refusal (invalid_path, a repeated /v1,
      // a URL the HTTP layer cannot decode) does not, and sent nothing.
      if (res.head.includes('\r\nperiscope-provider:')) relayed++;
      else refused++;
    }
    console.log(`generated paths: ${refused} refused, ${relayed} relayed (all under their base path)`);
    // Whatever got through stayed under the base path it was sent to.
    for (const r of h.mock.requests.slice(before)) {
      expect(prefixes.some(([, base]) => r.path.startsWith(base)), r.path).toBe(true);
    }
    expect(refused).toBeGreaterThan(0);
    expect(relayed).toBeGreaterThan(0);
    expect(h.mock.requests.length - before).toBe(relayed);
  }, 60_000);

  it('an operator-allowed private network is reachable, so the guard is not simply refusing everything', async () => {
    const res = await post('/v1/chat/completions', { 'Periscope-Target-Url': `http://127.0.0.2:${allowedUpstream.port}/v1` });
    expect(res.status).toBe(200);
    expect(res.headers.get('periscope-provider')).toBe(`target:127.0.0.2:${allowedUpstream.port}`);
    expect(allowedUpstream.hits).toBe(1);
  });

  it('the canary saw nothing at all', () => {
    expect(canary.hits).toBe(0);
    expect(canary.connections).toBe(0);
  });
});
