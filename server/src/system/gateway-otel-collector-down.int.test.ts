import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

// A collector that accepts connections and never answers: every export hangs until its timeout.
let collector: Server;
const sockets: Socket[] = [];
let received = 0;
let h: GatewayHarness;
let key: string;
const EXPORT_TIMEOUT_MS = 3000;

beforeAll(async () => {
  collector = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => (received += chunk.length));
    socket.on('error', () => {});
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const port = (collector.address() as { port: number }).port;
  h = await startGatewayHarness(undefined, {
    config: () => ({ otel: { endpoint: `http://127.0.0.1:${port}`, queue_size: 40, batch_size: 10, batch_interval_ms: 10, export_timeout_ms: EXPORT_TIMEOUT_MS } }),
  });
  ({ key } = await h.newProject());
}, 60_000);

afterAll(async () => {
  await h?.close();
  for (const s of sockets) s.destroy();
  collector?.close();
});

function counter(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('a collector that hangs', () => {
  it('never slows a call: the queue fills, the rest is dropped and counted, failed exports are counted', async () => {
    const latencies: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 300) {
        next++;
        const t0 = performance.now();
        const res = await fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-client-key-abcdefghijklmnop' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        expect(res.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    // Export requests hang for EXPORT_TIMEOUT_MS each; a call that waited on one would take that long.
    latencies.sort((a, b) => a - b);
    expect(latencies.at(-1)!, `slowest of ${latencies.length} calls`).toBeLessThan(EXPORT_TIMEOUT_MS / 3);
    expect(received).toBeGreaterThan(0); // the exporter did send (and is waiting)

    // 300 calls = 600 spans (call + attempt) against a bound of 40: most are dropped, by count.
    let text = '';
    const deadline = Date.now() + EXPORT_TIMEOUT_MS * 3;
    for (;;) {
      text = await (await fetch(`${h.url}/metrics`)).text();
      if (counter(text, 'periscope_otel_export_failures_total', 'reason="timeout"') > 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(counter(text, 'periscope_otel_spans_dropped_total', 'reason="queue_full"')).toBeGreaterThanOrEqual(600 - 40);
    expect(counter(text, 'periscope_otel_export_failures_total', 'reason="timeout"')).toBeGreaterThan(0);
    expect(text).not.toMatch(/^periscope_otel_spans_exported_total [1-9]/m);
  }, 60_000);
});
