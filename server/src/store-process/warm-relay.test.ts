import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WARM_UP_HEADER } from './protocol.ts';
import { ownOrigin, warmStoreRelay } from './warm-relay.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return ownOrigin(server.address() as AddressInfo);
}

describe('warmStoreRelay', () => {
  it('sends the session check and a sign-out with a body, 16 of each, each with the token', async () => {
    const seen: string[] = [];
    const origin = await listen((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers[WARM_UP_HEADER]} ${body}`);
        res.writeHead(req.method === 'GET' ? 401 : 204).end();
      });
    });
    expect(await warmStoreRelay(origin, 'tok')).toBe(32);
    expect(seen).toEqual(Array.from({ length: 16 }, () => ['GET /api/session tok ', 'DELETE /api/session tok {}']).flat());
  });

  it('counts only the store process\'s answers, not the relay\'s 502 or 503', async () => {
    let n = 0;
    const origin = await listen((req, res) => {
      res.writeHead(++n > 10 ? 503 : req.method === 'GET' ? 401 : 204).end();
    });
    expect(await warmStoreRelay(origin, 'tok')).toBe(10);
  });

  it('gives up at its deadline when nothing answers, with what was answered by then', async () => {
    let n = 0;
    const origin = await listen((req, res) => {
      if (++n <= 3) res.writeHead(req.method === 'GET' ? 401 : 204).end();
    });
    const started = performance.now();
    expect(await warmStoreRelay(origin, 'tok', 300)).toBe(3);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('never throws: an origin undici cannot parse (a link-local address with its zone) warms nothing', async () => {
    const origin = ownOrigin({ address: 'fe80::1%lo', family: 'IPv6', port: 1 });
    expect(await warmStoreRelay(origin, 'tok')).toBe(0);
  });

  it('reaches an unspecified listening address on loopback', () => {
    expect(ownOrigin({ address: '0.0.0.0', family: 'IPv4', port: 1 })).toBe('http://127.0.0.1:1');
    expect(ownOrigin({ address: '::', family: 'IPv6', port: 2 })).toBe('http://[::1]:2');
    expect(ownOrigin({ address: '::1', family: 'IPv6', port: 3 })).toBe('http://[::1]:3');
    expect(ownOrigin({ address: '10.0.0.2', family: 'IPv4', port: 4 })).toBe('http://10.0.0.2:4');
  });
});
