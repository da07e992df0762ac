import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, runningQueries } from '@periscope/clickhouse/testing';
import { apiRequest, newAccount } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/**
 * What a viewer's heavy report may cost everyone else (issue 14, sections 2 and 3): the query
 * that froze the store for 299.5 s, exports whose client goes away or never reads, exports
 * that would fill the disk. Against a real `periscope` harness with its embedded store.
 */
const CROSS_JOIN = 'SELECT count() FROM numbers(1000000) AS a, numbers(1000000) AS b';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let h: GatewayHarness;
let viewer: { cookie: string };
let project: string;

/**
 * The server's connections. fetch's pool keeps a connection open (and opens a spare one after
 * an abort) that the server's close() would wait on for its 72 s keep-alive timeout; the
 * test's client is the one that would close them, so the test does.
 */
const connections: Socket[] = [];
async function closeHarness() {
  let closed = false;
  const closing = h?.close().finally(() => (closed = true));
  while (!closed) {
    for (const socket of connections.splice(0)) socket.destroy();
    await Promise.race([closing, sleep(100)]);
  }
}
async function startHarness(reports: Record<string, unknown>) {
  h = await startGatewayHarness(undefined, { config: () => ({ reports }) });
  h.server.app.server.on('connection', (socket: Socket) => connections.push(socket));
  project = (await h.newProject()).project;
  viewer = await newAccount(h.url, 'viewer', [project]);
}

const spooled = async () => readdir(join(h.dataDir, 'periscope-exports')).catch(() => []);
const exportFetch = (sql: string, o: { as?: { cookie: string } } = {}) =>
  fetch(`${h.url}/api/sql/export`, {
    method: 'POST', headers: { cookie: (o.as ?? viewer).cookie, 'x-periscope-csrf': '1', 'content-type': 'application/json' },
    body: JSON.stringify({ sql, format: 'csv' }),
  });


/** A request a client will abandon; resolves with the status and the first chunk of the body, or 'gone' once aborted. */
function abandoned(path: string, body: object, signal: AbortSignal): Promise<{ status: number; first: Buffer } | 'gone'> {
  return new Promise((resolve) => {
    const req = httpRequest(`${h.url}${path}`, {
      method: 'POST', agent: false, signal,
      headers: { cookie: viewer.cookie, 'x-periscope-csrf': '1', 'content-type': 'application/json' },
    }, (res) => res.once('data', (first: Buffer) => resolve({ status: res.statusCode!, first })));
    req.once('error', () => resolve('gone'));
    req.end(JSON.stringify(body));
  });
}

/** Until `check` holds, or `ms` passed; how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await sleep(50);
  }
  return performance.now() - started;
}

describe('heavy reports', () => {
  beforeAll(async () => {
    await startHarness({ queries_per_minute: 10_000, max_execution_seconds: 4, export_max_execution_seconds: 15, exports_per_user: 1, export_max_bytes: 32 * 1024 * 1024 });
    await h.server.store.insertRequests(Array.from({ length: 50 }, () => makeEvent({ project_id: project })));
  }, 120_000);
  afterAll(closeHarness);

  it('hold nothing the log page, the overview and alert evaluation wait for', async () => {
    const client = new AbortController();
    let heavyDone = false;
    const heavy = abandoned('/api/sql/export', { sql: CROSS_JOIN, format: 'csv' }, client.signal).then((r) => (r === 'gone' ? r : (heavyDone = true)));
    await within(5000, async () => (await runningQueries(h.dataDir, 'numbers(1000000) AS a')) === 1);
    const now = Date.now();
    const timings: Record<string, number> = {};
    for (let round = 0; round < 3; round += 1) {
      for (const [name, call] of Object.entries({
        'GET /api/requests': () => apiRequest(h.url, 'GET', `/api/requests?project=${project}&limit=5`, { admin: true }),
        'GET /api/metrics/summary': () => apiRequest(h.url, 'GET', `/api/metrics/summary?project=${project}&from=${now - 86_400_000}&to=${now}`, { admin: true }),
        'alert evaluation': () => h.server.store.evaluateAlert({
          from: now - 3_600_000, to: now, filter: { projectIds: [project] }, aggregate: 'cost_sum', minRequests: 0, maxGroups: 10, order: 'desc',
        }),
      })) {
        const started = performance.now();
        const answer = await call();
        if ('status' in answer) expect(answer.status, name).toBe(200);
        timings[name] = Math.max(timings[name] ?? 0, performance.now() - started);
      }
    }
    // The heavy query was still running all along (its limit is 15 s).
    expect(heavyDone).toBe(false);
    expect(await runningQueries(h.dataDir, 'numbers(1000000) AS a')).toBe(1);
    console.log(`[heavy report] slowest of 3 while a cross join ran: ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`);
    // Issue 14 measured 299.5 s for the log page; a second is far above what they take (tens of ms).
    for (const [name, ms] of Object.entries(timings)) expect(ms, name).toBeLessThan(1500);
    client.abort();
    expect(await heavy).toBe('gone');
    await within(3000, async () => (await runningQueries(h.dataDir, 'numbers(1000000) AS a')) === 0);
  }, 60_000);

  it('stops in the engine when the client goes away, and leaves no file behind', async () => {
    for (const [route, path] of [['export', '/api/sql/export'], ['console', '/api/sql']] as const) {
      const client = new AbortController();
      const answered = abandoned(path, { sql: `${CROSS_JOIN} WHERE 1 = 1` }, client.signal);
      await within(5000, async () => (await runningQueries(h.dataDir, 'WHERE 1 = 1')) === 1);
      client.abort();
      expect(await answered).toBe('gone');
      const stopped = await within(3000, async () => (await runningQueries(h.dataDir, 'WHERE 1 = 1')) === 0);
      console.log(`[heavy report] ${route}: the engine query stopped ${stopped.toFixed(0)} ms after the client went away`);
    }
    await within(2000, async () => (await spooled()).length === 0);
    // The export slot came back with the client: the next export starts at once.
    const next = await exportFetch('SELECT 1 AS one');
    expect(next.status).toBe(200);
    // A slot is held until its download ends.
    expect(await next.text()).toBe('"one"\r\n1\r\n');
  }, 30_000);

  it('remove the file of an export whose client stops reading and goes away', async () => {
    const client = new AbortController();
    // About 20 MiB of CSV, spooled whole before the first byte; the client reads one chunk.
    const answer = await abandoned('/api/sql/export', { sql: "SELECT number, repeat('x', 200) FROM numbers(100000)", format: 'csv' }, client.signal);
    expect(answer).toMatchObject({ status: 200 });
    expect(await spooled()).toHaveLength(1);
    client.abort();
    await within(3000, async () => (await spooled()).length === 0);
  }, 30_000);

  it('bound an export in bytes and stop it cleanly, and let each user run one export at a time', async () => {
    const tooBig = await exportFetch("SELECT number, repeat('x', 2000) FROM numbers(1000000)");
    expect(tooBig.status).toBe(400);
    expect(await tooBig.json()).toMatchObject({ error: { code: 'sql_limit_exceeded', message: expect.stringMatching(/larger than the 32 MiB/) } });
    expect(await spooled()).toEqual([]);

    const client = new AbortController();
    const first = abandoned('/api/sql/export', { sql: `${CROSS_JOIN} WHERE 2 = 2`, format: 'csv' }, client.signal);
    await within(5000, async () => (await runningQueries(h.dataDir, 'WHERE 2 = 2')) === 1);
    const second = await exportFetch('SELECT 1');
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: { code: 'too_many_requests', message: expect.stringMatching(/at most 1 at once/) } });
    // Another user is not held up by it.
    const other = await newAccount(h.url, 'viewer', [project]);
    expect(await (await exportFetch('SELECT 1 AS one', { as: other })).text()).toBe('"one"\r\n1\r\n');
    client.abort();
    expect(await first).toBe('gone');
    await within(3000, async () => {
      const res = await exportFetch('SELECT 1 AS one');
      await res.body?.cancel();
      return res.status === 200;
    });
  }, 60_000);
});

describe('an export when the disk is short of space', () => {
  // More free space kept for the store than any disk has.
  beforeAll(() => startHarness({ export_min_free_disk_bytes: 2 ** 52 }), 120_000);
  afterAll(closeHarness);

  it('is refused with 507 before it writes anything, while the console still answers', async () => {
    const res = await exportFetch('SELECT number FROM numbers(10)');
    expect(res.status).toBe(507);
    expect(await res.json()).toMatchObject({ error: { code: 'insufficient_storage', message: expect.stringMatching(/stay free for the store/) } });
    expect(await spooled()).toEqual([]);
    const grid = await apiRequest<{ data: unknown[] }>(h.url, 'POST', '/api/sql', viewer, { sql: 'SELECT number FROM numbers(3)' });
    expect(grid.body.data).toHaveLength(3);
  });
});
