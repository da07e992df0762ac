import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { IdleScavenge } from '@periscope/proxy';
import { createHttpServer } from './http-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The share of `ms` this thread's event loop spent outside its poll's wait. */
async function busyShare(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}

const healthz = (host: string, port: number) => new Promise<number | undefined>((resolve, reject) => {
  request({ host, port, path: '/healthz', agent: false }, (res) => res.resume().on('end', () => resolve(res.statusCode))).on('error', reject).end();
});

describe('createHttpServer: gateway.idle_poll_ms', () => {
  it('keeps the event loop polling after a request on any of its listening addresses, and stops when closed', async () => {
    const windowMs = 300;
    const { app } = createHttpServer(false, async () => {}, { idlePollMs: windowMs });
    // `localhost`: Fastify listens on each loopback address the name resolves to, each its own
    // server (where it resolves to one, as on the CI machine, this checks that one).
    await app.listen({ port: 0, host: 'localhost' });
    const addresses = app.addresses().filter((a): a is AddressInfo => typeof a !== 'string');
    expect(addresses.length).toBeGreaterThan(0);
    // What the start left to do (on a machine busy with the rest of the suite) is not the baseline.
    await sleep(100);
    try {
      for (const address of addresses) {
        expect(await busyShare(150)).toBeLessThan(0.5);
        expect(await healthz(address.address, address.port)).toBe(200);
        expect(await busyShare(100)).toBeGreaterThan(0.8);
        await sleep(windowMs);
      }
      await healthz(addresses[0]!.address, addresses[0]!.port);
    } finally {
      await app.close();
    }
    await sleep(100);
    expect(await busyShare(150)).toBeLessThan(0.5);
  });

  it('lets the event loop sleep between requests by default', async () => {
    const { app } = createHttpServer(false, async () => {});
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    try {
      expect(await healthz(url.hostname, Number(url.port))).toBe(200);
      // Over 200 ms: what the request left to do on a machine busy with the rest of the suite
      // (a clean-clone run read more than half of 60 ms busy) is not polling.
      expect(await busyShare(200)).toBeLessThan(0.5);
    } finally {
      await app.close();
    }
  });
});

describe('createHttpServer: gateway.scavenge_between_calls', () => {
  it('scavenges once the last call in flight has ended, a call its client left included', async () => {
    let scavenges = 0;
    const scavenge = new IdleScavenge(() => 1, () => void scavenges++, 0.75, 0);
    const { app } = createHttpServer(false, async () => {}, { idleScavenge: scavenge });
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/held', async () => {
      await held;
      return { ok: true };
    });
    let releaseAgain = () => {};
    const heldAgain = new Promise<void>((resolve) => (releaseAgain = resolve));
    app.get('/left', async () => {
      await heldAgain;
      return { ok: true };
    });
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    const get = (path: string) => request({ host: url.hostname, port: Number(url.port), path, agent: false });
    try {
      expect(await healthz(url.hostname, Number(url.port))).toBe(200);
      expect(scavenges).toBe(1);
      // A call held open: another one ending leaves the young space alone.
      const answered = new Promise<number | undefined>((resolve, reject) => get('/held').on('response', (res) => res.resume().on('end', () => resolve(res.statusCode))).on('error', reject).end());
      await sleep(50);
      expect(await healthz(url.hostname, Number(url.port))).toBe(200);
      expect(scavenges, 'a call still in flight').toBe(1);
      release();
      expect(await answered).toBe(200);
      expect(scavenges).toBe(2);
      // A client that leaves before its answer: its call ends as well.
      const left = get('/left').on('error', () => {});
      left.end();
      await sleep(50);
      left.destroy();
      await sleep(50);
      expect(scavenges, 'the call its client left has ended').toBe(3);
      releaseAgain();
    } finally {
      await app.close();
    }
  });
});

describe('createHttpServer: gateway.old_space_growth_percent', () => {
  /** In a child process (V8's flags are process-wide): the largest heap of promote-then-drop waves after the server is created. */
  const peakHeapMb = (percent: number): number =>
    Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
const { createHttpServer } = await import(${JSON.stringify(new URL('./http-server.ts', import.meta.url).href)});
const { getHeapStatistics } = await import('node:v8');
const { app } = createHttpServer(false, async () => {}, { oldSpaceGrowthPercent: ${percent} });
let peak = 0;
const held = [];
for (let wave = 0; wave < 40; wave++) {
  held.push(Array.from({ length: 60_000 }, (_, i) => ({ i, text: 'piece ' + i, pair: [i, i + 1] })));
  if (held.length > 2) held.shift();
  peak = Math.max(peak, getHeapStatistics().total_heap_size);
}
await app.close();
console.log(Math.round(peak / 1e6));
`], { encoding: 'utf8' }).trim());

  it('caps the old space\'s growth for the whole process once the server is created', () => {
    expect(peakHeapMb(25)).toBeLessThan(peakHeapMb(0) * 0.8);
  });
});

describe('createHttpServer: one hidden class for every connection', () => {
  it('gives a connection whose first request was /healthz the socket shape of one whose first request was a call', async () => {
    // V8's own check of two objects' hidden classes (`%HaveSameMap`): the natives syntax is read
    // when a function is parsed, so the flag set here holds for the function made after it.
    setFlagsFromString('--allow-natives-syntax');
    const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
    const { app } = createHttpServer(false, async () => {});
    // Like a call: the gateway reads the caller's address (its failed-authentication throttle).
    app.get('/call', async (request) => ({ ip: request.ip }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const sockets: Socket[] = [];
    app.server.on('connection', (socket: Socket) => sockets.push(socket));
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      for (const first of ['/healthz', '/call']) {
        const client = new Client(origin);
        for (const path of [first, '/call', '/call']) expect((await client.request({ path, method: 'GET' })).statusCode).toBe(200);
        await client.close();
      }
      expect(sockets).toHaveLength(2);
      expect(haveSameMap(sockets[0]!, sockets[1]!)).toBe(true);
    } finally {
      await app.close();
    }
  });
});
