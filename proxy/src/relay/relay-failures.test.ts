/**
 * A stream's end and failures are handled in undici's callbacks (relay-call.ts): there a throw
 * would be an uncaught exception and end the gateway. Faults are injected into the client's
 * response: its destroy() throws, so the failure handling itself fails (helper-68's finding).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@periscope/contract';
import { proxyPlugin } from '../app.ts';
import { parseConfig } from '../config/load.ts';
import { createProxyMetrics } from '../metrics.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const chunk = (text: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;

const events: RequestEvent[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => void unhandled.push(err);
let registry: Registry;
let gateway: FastifyInstance;
let upstream: http.Server;
const upstreamSockets = new Set<Socket>();

/** Two events, then the provider's connection is cut ("reset"), or the whole answer ("ok"). */
async function provider(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const part of req) body += String(part);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk('a'));
  await sleep(30);
  res.write(chunk('b'));
  await sleep(30);
  if ((JSON.parse(body) as { model: string }).model === 'reset') res.socket!.destroy();
  else res.end('data: [DONE]\n\n');
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  upstream = http.createServer((req, res) => void provider(req, res));
  upstream.on('connection', (socket: Socket) => {
    upstreamSockets.add(socket);
    socket.on('close', () => upstreamSockets.delete(socket));
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  const config = parseConfig({ providers: { openai: { type: 'openai', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1` } } }, {});
  registry = new Registry();
  gateway = Fastify();
  gateway.addHook('onRequest', (request, reply, done) => {
    const res = reply.raw;
    const faults = String(request.headers['x-fault'] ?? '').split(',');
    if (faults.includes('destroy')) {
      const destroy = res.destroy.bind(res);
      res.destroy = (err?: Error) => {
        destroy(err);
        throw new Error('injected: destroy failed');
      };
    }
    if (faults.includes('write-throws')) {
      // The relay's own code fails on the answer's second chunk (as a RangeError in the scrubber once did).
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      let writes = 0;
      res.write = ((...args: unknown[]) => {
        if (++writes === 2) throw new RangeError('injected: the relay failed');
        return write(...args);
      }) as typeof res.write;
    }
    if (faults.includes('full-once')) {
      // The first write finds the client's socket full; it drains 100 ms later.
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      let writes = 0;
      res.write = ((...args: unknown[]) => {
        const taken = write(...args);
        if (++writes !== 1) return taken;
        setTimeout(() => res.emit('drain'), 100);
        return false;
      }) as typeof res.write;
    }
    done();
  });
  await gateway.register(proxyPlugin, {
    config,
    keys: { verify: () => ({ key_id: 'k1', project_id: 'p1', allowed_models: [], limit: undefined }) },
    sink: { emit: (event: RequestEvent) => void events.push(event) } as never,
    metrics: createProxyMetrics(registry),
  });
  await gateway.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await gateway?.close();
  for (const socket of upstreamSockets) socket.destroy();
  await new Promise((done) => upstream?.close(done));
});

/** One streamed call; resolves with what the client got once its response closed. */
function streamedCall(model: string, requestId: string, fault: string): Promise<{ status?: number; body: string }> {
  const { port } = gateway.server.address() as AddressInfo;
  return new Promise((resolve) => {
    const got: { status?: number; body: string } = { body: '' };
    const req = http.request({
      host: '127.0.0.1', port, method: 'POST', path: '/openai/v1/chat/completions', agent: false,
      headers: { 'content-type': 'application/json', 'periscope-auth': 'Bearer psk_test', authorization: 'Bearer sk-test', 'periscope-request-id': requestId, 'x-fault': fault },
    }, (res) => {
      got.status = res.statusCode;
      res.on('data', (part: Buffer) => (got.body += String(part)));
      res.on('error', () => undefined);
      res.on('close', () => resolve(got));
    });
    req.on('error', () => resolve(got));
    req.end(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  });
}

async function upstreamErrors(): Promise<number> {
  const values = (await registry.getSingleMetric('periscope_proxy_upstream_errors_total')!.get()).values;
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('a stream whose failure cannot be handled cleanly', () => {
  for (const [name, fault] of [['destroy', 'destroy'], ['full-once-destroy', 'full-once,destroy']] as const) {
    it(`provider cut mid-stream, the client's response fails to close (${fault}): logged once, counted once, nothing uncaught`, async () => {
      registry.resetMetrics();
      const id = `failed-${name}`;
      const got = await streamedCall('reset', id, fault);
      await sleep(300);
      expect(got.status).toBe(200);
      expect(got.body).not.toContain('[DONE]');
      const mine = events.filter((e) => e.request_id === id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.error_type).not.toBe('');
      expect(await upstreamErrors()).toBe(1);
      expect(unhandled).toEqual([]);
      // The gateway is still up and relays the next stream whole.
      const next = await streamedCall('ok', `after-${name}`, '');
      expect(next.body).toContain('[DONE]');
    });
  }

  it('the relay\'s own code throws on a chunk: the row says internal_error, not an upstream error; logged once, nothing uncaught', async () => {
    registry.resetMetrics();
    const id = 'relay-broke';
    const got = await streamedCall('ok', id, 'write-throws');
    await sleep(300);
    expect(got.status).toBe(200);
    expect(got.body).not.toContain('[DONE]');
    const mine = events.filter((e) => e.request_id === id);
    expect(mine.map((e) => [e.error_type, e.error_message])).toEqual([['internal_error', 'The gateway failed while relaying the answer and cut the connection.']]);
    expect(await upstreamErrors()).toBe(0);
    expect((await registry.getSingleMetric('periscope_proxy_relay_failures_total')!.get()).values[0]?.value).toBe(1);
    expect(unhandled).toEqual([]);
    const next = await streamedCall('ok', 'after-relay-broke', '');
    expect(next.body).toContain('[DONE]');
  });
});
