/**
 * The stream clients (bench/stream-clients) against the bench's mock: every stream read to
 * [DONE] with a time to first byte, and a failing gateway counted as errors with samples, not as
 * streams that never happened.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBenchMock, type BenchMock } from '../mock-upstream.ts';
import { streams } from './streams.ts';

let mock: BenchMock;
let failing: Server;
let failingUrl: string;

beforeAll(async () => {
  mock = await startBenchMock({ chunks: 3, intervalMs: 150 });
  failing = createServer((_req, res) => res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"message":"upstream down"}}'));
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
}, 5 * 60_000);
afterAll(async () => {
  await mock?.stop();
  await new Promise((resolve) => failing?.close(resolve));
});

describe('streams (Go clients)', () => {
  it('reads every stream to [DONE] and times each first byte', async () => {
    let samples = 0;
    const { warmUpAnswered, wave } = await streams({ origin: mock.url, headers: { authorization: 'Bearer sk-bench' } }, 40, { whileOpen: () => samples++ });
    expect(warmUpAnswered).toBe(40);
    // newConns 0: the measured wave went over the connections the warm-up opened.
    expect(wave).toMatchObject({ streams: 40, answered: 40, ok: 40, errors: 0, newConns: 0 });
    expect(wave.ttfbMs.count).toBe(40);
    // The first frame leaves at once; the whole stream takes 6 more frames, 150 ms apart (0.9 s).
    expect(wave.ttfbMs.max).toBeLessThan(450);
    expect(wave.ttfbMs.min).toBeGreaterThan(0);
    expect(samples).toBeGreaterThanOrEqual(2);
  });

  it('counts a gateway that answers with an error as answered streams that failed', async () => {
    const { wave } = await streams({ origin: failingUrl, headers: {} }, 5);
    expect(wave).toMatchObject({ streams: 5, answered: 5, ok: 0, errors: 5 });
    expect(wave.errorSamples[0]).toContain('HTTP 502');
    expect(wave.ttfbMs.count).toBe(0);
  });
});
