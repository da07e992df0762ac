import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseHeaders, UpstreamBody, upstreamRequest } from './upstream-request.ts';
import type { Dispatcher } from 'undici';

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
    if (req.url === '/burst') {
      // 16 KiB, then 50 ms later the rest and the end in one write.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(3 * CHUNK.length) });
      res.write(CHUNK);
      setTimeout(() => res.end(Buffer.concat([CHUNK, CHUNK])), 50);
      return;
    }
    if (req.url === '/steady') {
      // 16 KiB every 10 ms for a second.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write(CHUNK), 10);
      setTimeout(() => {
        clearInterval(timer);
        res.end();
      }, 1000);
      return;
    }
    if (req.url === '/paced') {
      // Ten numbered pieces 5 ms apart, then the end: a stream's shape.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const timer = setInterval(() => {
        res.write(`data: ${i}\n\n`);
        if (++i === 10) {
          clearInterval(timer);
          res.end();
        }
      }, 5);
      return;
    }
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

/** What a sink got: the chunks' text, then 'end' or the failure. */
function collect(body: UpstreamBody, opts: { hold?: (chunk: Buffer) => Promise<void> | undefined; throwAt?: number } = {}) {
  const got: { text: string; chunks: number; end: boolean; failure: Error | undefined; broke: Error | undefined; told: number } = { text: '', chunks: 0, end: false, failure: undefined, broke: undefined, told: 0 };
  const done = new Promise<void>((resolve) => {
    body.pipeTo({
      data: (chunk) => {
        got.chunks++;
        if (got.chunks === opts.throwAt) throw new Error('the relay failed');
        got.text += chunk.toString();
        return opts.hold?.(chunk);
      },
      end: () => {
        got.told++;
        got.end = true;
        resolve();
      },
      fail: (err) => {
        got.told++;
        got.failure = err;
        resolve();
      },
      broke: (err) => {
        got.told++;
        got.broke = err;
        resolve();
      },
    });
  });
  return { got, done };
}

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

  it('releaseHeaders leaves the exchange holding no header of the answer (it lives as long as a stream)', async () => {
    const exchange = upstreamRequest({ ...base, url: new URL(`${origin}/v1/h`), method: 'GET' });
    const res = await exchange.response;
    const headers = res.headers;
    releaseHeaders(res);
    expect(headers['x-two']).toEqual(['a', 'b']);
    expect((await exchange.response).headers).toEqual({});
    await readAll(res.body);
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

  describe('pipeTo', () => {
    it('gives the sink every chunk in order after the first read with next(), then the end', async () => {
      const res = await upstreamRequest({ ...base, url: new URL(`${origin}/paced`), method: 'GET' }).response;
      const first = await res.body.next();
      await sleep(20); // chunks that arrive before pipeTo are queued, then handed over first
      const { got, done } = collect(res.body);
      await done;
      expect(first.value!.toString() + got.text).toBe(Array.from({ length: 10 }, (_, i) => `data: ${i}\n\n`).join(''));
      expect(got.end).toBe(true);
      expect(got.failure).toBeUndefined();
    });

    it('an answer that ended before pipeTo ends the sink at once', async () => {
      const res = await upstreamRequest({ ...base, url: new URL(`${origin}/v1/z`), method: 'GET' }).response;
      await sleep(50);
      const { got, done } = collect(res.body);
      await done;
      expect(JSON.parse(got.text)).toEqual({ path: '/v1/z', method: 'GET' });
      expect(got.end).toBe(true);
    });

    it('a sink that waits pauses the provider, and nothing is lost or reordered when it resumes', async () => {
      const res = await upstreamRequest({ ...base, url: new URL(`${origin}/flood`), method: 'GET' }).response;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let bytes = 0;
      let chunks = 0;
      const { got, done } = collect(res.body, {
        hold: (chunk) => {
          bytes += chunk.length;
          // Holds at the 64th chunk until released: the provider must stall meanwhile.
          return ++chunks === 64 ? gate : undefined;
        },
      });
      await sleep(300);
      expect(flood.written).toBeLessThan(8 * 1024 * 1024);
      const stalledAt = flood.written;
      const chunksAtStall = got.chunks;
      await sleep(200);
      expect(flood.written).toBe(stalledAt);
      expect(got.chunks).toBe(chunksAtStall);
      release();
      await done;
      await flood.done;
      expect(got.failure).toBeUndefined();
      expect(got.end).toBe(true);
      expect(bytes).toBe(64 * 1024 * 1024);
      expect(got.text).toBe('x'.repeat(64 * 1024 * 1024));
    });

    it('an abort mid-body fails the sink with its reason, after the chunks already queued', async () => {
      const exchange = upstreamRequest({ ...base, url: new URL(`${origin}/flood`), method: 'GET' });
      const res = await exchange.response;
      await sleep(100); // the queue fills to its mark
      const reason = new Error('client left');
      exchange.abort(reason);
      const { got, done } = collect(res.body);
      await done;
      expect(got.failure).toBe(reason);
      expect(got.told).toBe(1);
      expect(got.chunks).toBeGreaterThan(0);
      expect(got.end).toBe(false);
      await flood.done;
      expect(flood.closed).toBe(true);
    });

    it('a sink that throws is told it broke (not that the exchange failed), and the provider\'s answer is not read further', async () => {
      const res = await upstreamRequest({ ...base, url: new URL(`${origin}/flood`), method: 'GET' }).response;
      const { got, done } = collect(res.body, { throwAt: 3 });
      await done;
      await sleep(50);
      expect(got.broke?.message).toBe('the relay failed');
      expect(got.failure).toBeUndefined();
      expect(got.chunks).toBe(3);
      expect(got.told).toBe(1);
      await flood.done;
      expect(flood.closed).toBe(true);
    });

    it('is told the end once when releasing a wait makes undici parse the rest of the answer at once (helper-66)', async () => {
      const res = await upstreamRequest({ ...base, url: new URL(`${origin}/burst`), method: 'GET' }).response;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let first = true;
      const { got } = collect(res.body, {
        hold: () => {
          if (!first) return undefined;
          first = false;
          return gate;
        },
      });
      await sleep(200); // the rest and the end wait in the socket, the parser paused
      release();
      await sleep(100);
      expect(got.text.length).toBe(3 * CHUNK.length);
      expect(got.end).toBe(true);
      expect(got.told).toBe(1);
    });

    it('an answer that ended while its sink waited resumes no other call on its keep-alive socket (helper-66)', async () => {
      const single = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 10_000 });
      // A: a small answer that ended before pipeTo; its sink waits on its only chunk.
      const a = await upstreamRequest({ ...base, dispatcher: single, url: new URL(`${origin}/v1/small`), method: 'GET' }).response;
      await sleep(50);
      let releaseA!: () => void;
      const gateA = new Promise<void>((resolve) => (releaseA = resolve));
      const { got: gotA } = collect(a.body, { hold: () => gateA });
      await sleep(50);
      // B: a stream on the same socket, its sink waiting too (a slow client): B must stay paused.
      const b = await upstreamRequest({ ...base, dispatcher: single, url: new URL(`${origin}/steady`), method: 'GET' }).response;
      let releaseB!: () => void;
      const gateB = new Promise<void>((resolve) => (releaseB = resolve));
      const { got: gotB } = collect(b.body, { hold: () => gateB });
      await sleep(200);
      const queuedBefore = (b.body as unknown as { queued: number }).queued;
      releaseA();
      await sleep(50);
      expect(gotA.end).toBe(true);
      expect((b.body as unknown as { queued: number }).queued).toBe(queuedBefore);
      expect(gotB.chunks).toBe(1);
      releaseB();
      void b.body.return();
      await single.destroy();
    });

    it('once the relay stopped reading, a chunk undici still hands over reaches no sink', () => {
      const controller = { paused: false, aborted: false, pause() {}, resume() {}, abort() { this.aborted = true; } };
      const body = new UpstreamBody(controller as unknown as Dispatcher.DispatchController);
      const { got } = collect(body);
      body.push(Buffer.from('a'));
      void body.return();
      body.push(Buffer.from('b'));
      body.end();
      expect(controller.aborted).toBe(true);
      expect(got.text).toBe('a');
      expect(got.told).toBe(0);
    });
  });
});
