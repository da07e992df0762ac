import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { parseConversation } from '@periscope/contract/api';
import { crossedPiecesQuoting } from '@periscope/testkit';
import { seededRandom } from '@periscope/proxy';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/** The provider's own key: the crafted answers quote it in pieces. */
const CONFIGURED = 'crafted-provider-key-5e1d9c3b7a2f';

/**
 * A provider whose stream is crafted (a model told to lay a key out so that one reader joins it
 * and the piece redaction does not): the next body of `bodies` for each call, as SSE.
 */
const bodies: string[] = [];
let upstream: Server;
let h: GatewayHarness;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(bodies.shift() ?? 'data: [DONE]\n\n');
    });
  });
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
  const crafted = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  h = await startGatewayHarness(() => ({ crafted: { type: 'openai-compatible', base_url: crafted, api_key: CONFIGURED } }));
});
afterAll(async () => {
  await h?.close();
  await new Promise((ok) => upstream?.close(ok));
});

async function withheldCount(): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(/^periscope_stored_streams_withheld_total (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('a crafted stream whose pieces a reader joins into a key', () => {
  it('is answered as sent, and stored without its body (counted); an ordinary stream through the same provider is stored whole', async () => {
    const { project, key } = await h.newProject();
    const openai = new OpenAI({ apiKey: 'unused', baseURL: `${h.url}/crafted/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
    const random = seededRandom(15);
    const secrets = [CONFIGURED, 'sk-proj-craftedQ9w8e7r6t5y4u3i2o1p0'];
    // One stream per layout the chat endpoint reads that the piece redaction leaves for this key.
    const layouts = new Set<string>();
    for (let n = 0; layouts.size < 4 && n < 500; n++) {
      const secret = secrets[n % 2]!;
      const crossed = crossedPiecesQuoting(random, secret);
      if (crossed.endpoint !== 'chat.completions' || layouts.has(crossed.layout) || crossed.layout === 'escaped-field-name') continue;
      layouts.add(crossed.layout);
      bodies.push(crossed.body);
    }
    const ordinary = ['The', ' answer', ' is', ' 42', '.'].map((p) => `data: {"choices":[{"index":0,"delta":{"content":"${p}"}}]}\n\n`).join('') + 'data: [DONE]\n\n';
    bodies.push(ordinary);
    const before = await withheldCount();
    const calls = bodies.length;
    for (let i = 0; i < calls; i++) {
      const stream = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
      for await (const _ of stream) { /* drain: the client gets every event as the provider sent it */ }
    }
    const rows = await h.rows(project, 'limit=20', calls);
    const stored = await Promise.all(rows.map((r) => h.row(r.request_id, project)));
    const withheld = stored.filter((r) => r.response_body.startsWith('[Periscope withheld'));
    expect(withheld.length).toBeGreaterThan(0);
    expect(stored.some((r) => r.response_body === ordinary)).toBe(true);
    for (const r of stored) {
      const shown = JSON.stringify(parseConversation(r.endpoint, r.request_body, r.response_body));
      for (const secret of secrets) {
        expect(r.response_body).not.toContain(secret);
        expect(shown).not.toContain(secret);
      }
      expect(r.status).toBe(200);
    }
    expect(await withheldCount()).toBe(before + withheld.length);
  });
});
