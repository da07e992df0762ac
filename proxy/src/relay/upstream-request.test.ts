import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamRequest } from './upstream-request.ts';

const CHUNK = Buffer.alloc(16 * 1024, 'x');
let server: Server;
let origin: string;
const agent = new Agent({ keepAliveTimeout: 1000 });
/** What the last /flood response managed to hand to its socket, and whether it was cut. */
const flood = { written: 0, closed: false, done: Promise.resolve() };

/** Writes 16 KiB chunks until the socket pushes back, then waits for drain, up to `total` bytes. */
function floodBody(res: ServerResponse, total: number): Promise<void> {
  return new Promise((resolve) => {
    res.on('close', () => {
      flood.closed = !res.writableFinished;
      resolve();
    });
    const pump = () => {
      while (flood.written < total) {
        flood.written += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.url === '/flood') {
      flood.written = 0;
      flood.closed = false;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      flood.done = floodBody(res, 64 * 1024 * 1024);
      return;
    }
    if (req.url === '/silent') return; // never answers
    res.writeHead(200, { 'content-type': 'application/json', 'x-two': ['a', 'b'] });
    res.end(JSON.stringify({ path: req.url, method: req.method }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const base = { headers: {}, body: undefined, dispatcher: agent, headersTimeout: 5000, bodyTimeout: 5000 } as const;

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}

describe('upstreamRequest', () => {
  it('returns the status, parsed headers and the whole body, path and query included', async () => {
    const res = await upstreamRequest({ ...base, url: new URL(`${origin}/v1/x?a=1`), method: 'GET' }).response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-two']).toEqual(['a', 'b']);
    expect(JSON.parse((await readAll(res.body)).toString())).toEqual({ path: '/v1/x?a=1', method: 'GET' });
  });

  it('does not keep the raw header lines once the answer started (a long stream would carry them along)', async () => {
    const exchange = upstreamRequest({ ...base, url: new URL(`${origin}/v1/raw`), method: 'GET' });
    const res = await exchange.response;
    // The controller undici hands this handler API, which pause, resume and abort go through.
    const controller = (exchange as unknown as { controller: { rawHeaders: unknown; paused: boolean } }).controller;
    expect('rawHeaders' in controller).toBe(true);
    expect(controller.rawHeaders).toBeNull();
    expect(res.headers['x-two']).toEqual(['a', 'b']);
    await readAll(res.body);
  });

  it('pauses the provider while the relay does not read, so a slow client never makes it buffer the stream', async () => {
    const res = await upstreamRequest({ ...base, url: new URL(`${origin}/flood`), method: 'GET' }).response;
    await sleep(300);
    // 64 KiB queued here, plus the kernel's socket buffers: far from the 64 MiB the server would send.
    expect(flood.written).toBeLessThan(8 * 1024 * 1024);
    const stalledAt = flood.written;
    await sleep(200);
    expect(flood.written).toBe(stalledAt);
    // Reading again resumes it.
    for (let i = 0; i < 200; i++) await res.body.next();
    await sleep(100);
    expect(flood.written).toBeGreaterThan(stalledAt);
    await res.body.return();
    await flood.done;
    expect(flood.closed).toBe(true);
  });

  it('an abort mid-body rejects the next read with its reason and cuts the provider\'s connection', async () => {
    const exchange = upstreamRequest({ ...base, url: new URL(`${origin}/flood`), method: 'GET' });
    const res = await exchange.response;
    await res.body.next();
    const reason = new Error('client left');
    exchange.abort(reason);
    let err: unknown;
    try {
      for (;;) if ((await res.body.next()).done) break;
    } catch (e) {
      err = e;
    }
    expect(err).toBe(reason);
    await flood.done;
    expect(flood.closed).toBe(true);
  });

  it('an abort before the answer rejects with its reason, also one still queued for a connection', async () => {
    const waiting = upstreamRequest({ ...base, url: new URL(`${origin}/silent`), method: 'GET' });
    const reason = new Error('gone');
    setTimeout(() => waiting.abort(reason), 50);
    await expect(waiting.response).rejects.toBe(reason);
    // One connection, held by a call that never answers: the next one waits in undici's queue.
    const single = new Agent({ connections: 1, pipelining: 1 });
    const holder = upstreamRequest({ ...base, dispatcher: single, url: new URL(`${origin}/silent`), method: 'GET' });
    const held = holder.response.catch((err: unknown) => err);
    const queued = upstreamRequest({ ...base, dispatcher: single, url: new URL(`${origin}/x`), method: 'GET' });
    await sleep(50);
    const t0 = performance.now();
    queued.abort(reason);
    await expect(queued.response).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(1000);
    holder.abort(reason);
    expect(await held).toBe(reason);
    await single.destroy();
  });

  it('an abort after the answer ended changes nothing', async () => {
    const exchange = upstreamRequest({ ...base, url: new URL(`${origin}/v1/y`), method: 'GET' });
    const res = await exchange.response;
    const body = await readAll(res.body);
    exchange.abort(new Error('late'));
    expect(JSON.parse(body.toString())).toEqual({ path: '/v1/y', method: 'GET' });
  });

  it('a request undici refuses to dispatch rejects instead of throwing', async () => {
    const refused = upstreamRequest({ ...base, url: new URL(`${origin}/x`), method: 'GET', headers: { 'bad\nname': 'x' } });
    await expect(refused.response).rejects.toMatchObject({ code: 'UND_ERR_INVALID_ARG' });
  });

  it('keeps undici\'s timeout errors, for the error catalog', async () => {
    const pending = upstreamRequest({ ...base, headersTimeout: 100, url: new URL(`${origin}/silent`), method: 'GET' });
    await expect(pending.response).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
  });
});
