import { performance } from 'node:perf_hooks';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from './http-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The share of `ms` this thread's event loop spent outside its poll's wait. */
async function busyShare(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}

describe('createHttpServer: gateway.idle_poll_ms', () => {
  it('keeps the event loop polling after a request that came in over the socket', async () => {
    const { app } = createHttpServer(false, async () => {}, { idlePollMs: 300 });
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    try {
      expect(await busyShare(60)).toBeLessThan(0.5);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request({ host: url.hostname, port: url.port, path: '/healthz', agent: false }, (res) => res.resume().on('end', () => resolve(res.statusCode))).on('error', reject).end();
      });
      expect(status).toBe(200);
      expect(await busyShare(60)).toBeGreaterThan(0.8);
    } finally {
      await app.close();
    }
    await sleep(20);
    expect(await busyShare(60)).toBeLessThan(0.5);
  });
});
