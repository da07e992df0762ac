import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.ts';
import type { Driver } from './driver.ts';
import { openServerDriver } from './server.ts';

interface Seen {
  url: URL;
  body: string;
}

/**
 * What the server driver puts on the wire, checked against a stand-in for ClickHouse's
 * HTTP interface (no ClickHouse server runs here; the contract suite covers a real one).
 */
describe('server driver over HTTP', () => {
  let server: Server;
  let driver: Driver;
  const seen: Seen[] = [];
  let reply: (req: Seen) => { status: number; body: string; headers?: Record<string, string> } = () => ({
    status: 200,
    body: '',
  });

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const entry = { url: new URL(req.url ?? '/', 'http://x'), body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      const { status, body, headers } = reply(entry);
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
      res.end(body);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    driver = await openServerDriver(`http://127.0.0.1:${(server.address() as AddressInfo).port}/periscope_db`);
  });
  afterAll(async () => {
    await driver.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends values as query parameters, never inside the SQL, to the database in the URL path', async () => {
    seen.length = 0;
    reply = () => ({ status: 200, body: '{"n":"18446744073709551615","b":true}\n{"n":"1","b":false}\n' });
    const rows = await driver.query<{ n: string; b: boolean }>('SELECT n, b FROM t WHERE p IN {ps:Array(String)} AND x = {x:String}', {
      ps: ["a'b", 'c\\d'],
      x: "' OR 1=1 --",
    });
    expect(rows).toEqual([
      { n: '18446744073709551615', b: true },
      { n: '1', b: false },
    ]);
    const [req] = seen;
    expect(req?.url.searchParams.get('database')).toBe('periscope_db');
    expect(req?.url.searchParams.get('param_x')).toBe("\\' OR 1=1 --");
    expect(req?.url.searchParams.get('param_ps')).toBe("['a\\'b','c\\\\d']");
    expect(req?.body).toContain('{x:String}');
    expect(req?.body).not.toContain('OR 1=1');
    expect(req?.body).toMatch(/FORMAT JSONEachRow\s*$/);
  });

  it('inserts JSONEachRow rows with the insert settings', async () => {
    seen.length = 0;
    reply = () => ({ status: 200, body: '' });
    await driver.insertJSONEachRow('requests', [{ a: 1 }, { a: 2 }], { insert_deduplication_token: 'tok-1' });
    const [req] = seen;
    expect(req?.url.searchParams.get('query')).toMatch(/^INSERT INTO requests\s+FORMAT JSONEachRow/);
    expect(req?.url.searchParams.get('insert_deduplication_token')).toBe('tok-1');
    expect(req?.body.trim().split('\n')).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('skips an empty insert', async () => {
    seen.length = 0;
    await driver.insertJSONEachRow('requests', []);
    expect(seen).toEqual([]);
  });

  it('turns a ClickHouse error into query_failed', async () => {
    reply = () => ({
      status: 500,
      body: 'Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR) (version 25.3.1.1)',
      headers: { 'X-ClickHouse-Exception-Code': '62' },
    });
    const err = await driver.exec('SELEC 1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('query_failed');
    expect((err as StoreError).message).toContain('Syntax error');
  });

  it('turns an unreachable server into store_unavailable', async () => {
    const gone = await openServerDriver('http://127.0.0.1:1');
    const err = await gone.query('SELECT 1').then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as StoreError).code).toBe('store_unavailable');
    await expect(gone.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
    await gone.close();
  });
});
