import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { IdlePoll, pollAfterRequests } from './idle-poll.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The share of `ms` this thread's event loop spent outside its poll's wait (1: it never slept). */
async function busyShare(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.listening) await new Promise((resolve) => server.close(resolve));
});

async function serverPolling(windowMs: number): Promise<{ server: Server; poll: IdlePoll | undefined; get: () => Promise<void> }> {
  const server = createServer((_req, res) => res.end('ok'));
  servers.push(server);
  const poll = pollAfterRequests(server, windowMs);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const get = () => new Promise<void>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
  });
  return { server, poll, get };
}

describe('IdlePoll: the event loop polls instead of sleeping for a while after each request', () => {
  it('keeps the loop from sleeping for the window after a request, then lets it sleep', async () => {
    const { poll, get } = await serverPolling(150);
    expect(await busyShare(60)).toBeLessThan(0.5);
    await get();
    expect(poll!.polling).toBe(true);
    expect(await busyShare(60)).toBeGreaterThan(0.8);
    await sleep(150);
    expect(poll!.polling).toBe(false);
    expect(await busyShare(60)).toBeLessThan(0.5);
  });

  it('each request opens the window again', async () => {
    const { poll, get } = await serverPolling(100);
    for (let i = 0; i < 4; i++) {
      await get();
      await sleep(60);
      expect(poll!.polling).toBe(true);
    }
    await sleep(120);
    expect(poll!.polling).toBe(false);
  });

  it('does nothing at 0 (the default)', async () => {
    const { poll, get } = await serverPolling(0);
    expect(poll).toBeUndefined();
    await get();
    expect(await busyShare(60)).toBeLessThan(0.5);
  });

  it('stops for good when the server closes, so the process may exit', async () => {
    const { server, poll, get } = await serverPolling(10_000);
    await get();
    expect(poll!.polling).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    await sleep(20);
    expect(poll!.polling).toBe(false);
    poll!.touch();
    await sleep(20);
    expect(poll!.polling).toBe(false);
    expect(await busyShare(60)).toBeLessThan(0.5);
  });

  it('refuses a window that is not positive', () => {
    for (const bad of [0, -1, Number.NaN]) expect(() => new IdlePoll(bad)).toThrow(RangeError);
  });
});
