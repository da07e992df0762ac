import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@periscope/testkit';
import type { ExporterSettings } from './export-protocol.ts';
import { SpanExporter } from './span-exporter.ts';
import { Registry } from 'prom-client';
import { packCallSpanRecord, type PackedCallSpanRecord } from './span-record.ts';
import { CallTrace } from './call-trace.ts';
import { IdSource } from './trace-context.ts';
import { testCall } from '../testing/test-call.ts';
import { buildEvent } from '../events/build-event.ts';
import { createProxyMetrics } from '../metrics.ts';

// The exporter thread for real (a worker thread posting to a local HTTP server), without a gateway.
const servers: Server[] = [];
const exporters: SpanExporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.close()));
  for (const s of servers.splice(0)) s.close();
});

async function collector(answer: (req: IncomingMessage, body: Buffer) => number): Promise<{ url: string; bodies: Buffer[] }> {
  const bodies: Buffer[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    bodies.push(body);
    res.writeHead(answer(req, body)).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, bodies };
}

function settings(url: string, over: Partial<ExporterSettings> = {}): ExporterSettings {
  return {
    url, protocol: 'http/json', headers: { authorization: 'Basic dGVzdA==' }, serviceName: 'svc', resourceAttributes: { 'deployment.environment.name': 'ci' },
    serviceVersion: '0', batchSize: 100, batchIntervalMs: 10, exportTimeoutMs: 2000, contentMaxBytes: 1000, maxRetries: 2, baseBackoffMs: 10, maxBackoffMs: 20, ...over,
  };
}

const ids = new IdSource();
/** A finished call with no upstream attempt (one span), packed as the gateway hands it over. */
function record(_i: number): PackedCallSpanRecord {
  const trace = new CallTrace(ids, ids.traceId(), ids.spanId(), '', '', true);
  const call = testCall({ trace });
  const event = buildEvent(call, { priceBook: call.priceBook, maxStoredBodyBytes: 1000, metrics: createProxyMetrics(new Registry()) });
  return packCallSpanRecord(call, trace, event, false);
}

function counters() {
  const c = { exported: 0, dropped: {} as Record<string, number>, failed: {} as Record<string, number> };
  return {
    c,
    sink: {
      exported: (n: number) => (c.exported += n),
      dropped: (reason: string, n: number) => (c.dropped[reason] = (c.dropped[reason] ?? 0) + n),
      exportFailed: (reason: string) => (c.failed[reason] = (c.failed[reason] ?? 0) + 1),
    },
  };
}
const log = { warn: () => {}, error: () => {} };

describe('span exporter', () => {
  it('batches records off the event loop and posts OTLP/JSON with the configured headers and resource', async () => {
    const seen: Array<string | undefined> = [];
    const col = await collector((req) => (seen.push(req.headers.authorization), 200));
    const { c, sink } = counters();
    const exporter = new SpanExporter(settings(col.url), 1000, sink, log);
    exporters.push(exporter);
    for (let i = 1; i <= 5; i++) exporter.submit(record(i));
    await exporter.flush();
    expect(c.exported).toBe(5);
    const sent = col.bodies.map((b) => JSON.parse(b.toString()) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string }> }; scopeSpans: Array<{ spans: unknown[] }> }> });
    expect(sent.flatMap((b) => b.resourceSpans[0]!.scopeSpans[0]!.spans)).toHaveLength(5);
    expect(sent[0]!.resourceSpans[0]!.resource.attributes.map((a) => a.key)).toContain('deployment.environment.name');
    expect(new Set(seen)).toEqual(new Set(['Basic dGVzdA==']));
  });

  it('drops what does not fit the queue, and counts it', async () => {
    const col = await collector(() => 200);
    const { c, sink } = counters();
    const exporter = new SpanExporter(settings(col.url), 3, sink, log);
    exporters.push(exporter);
    for (let i = 1; i <= 10; i++) exporter.submit(record(i));
    await exporter.flush();
    expect(c.dropped.queue_full).toBe(7);
    expect(c.exported).toBe(3);
  });

  it('retries a refused connection with backoff, then drops the batch and counts both', async () => {
    const { c, sink } = counters();
    const exporter = new SpanExporter(settings(`http://127.0.0.1:${await freePort()}/v1/traces`), 100, sink, log);
    exporters.push(exporter);
    exporter.submit(record(1));
    await exporter.flush();
    expect(c.failed.connection).toBe(3); // the first try and maxRetries=2 retries
    expect(c.dropped.export_failed).toBe(1);
    expect(exporter.queued).toBe(0);
  });

  it('retries a 503, and does not retry a 400 (the collector refused the data)', async () => {
    let calls = 0;
    const flaky = await collector(() => (++calls === 1 ? 503 : 200));
    const a = counters();
    const retrying = new SpanExporter(settings(flaky.url), 100, a.sink, log);
    exporters.push(retrying);
    retrying.submit(record(1));
    await retrying.flush();
    expect(a.c).toMatchObject({ exported: 1, failed: { http_503: 1 } });

    const refusing = await collector(() => 400);
    const b = counters();
    const rejected = new SpanExporter(settings(refusing.url), 100, b.sink, log);
    exporters.push(rejected);
    rejected.submit(record(1));
    await rejected.flush();
    expect(b.c).toMatchObject({ exported: 0, failed: { http_400: 1 }, dropped: { rejected: 1 } });
    expect(refusing.bodies).toHaveLength(1);
  });

  it('counts spans still queued at shutdown', async () => {
    const { c, sink } = counters();
    const exporter = new SpanExporter(settings('http://127.0.0.1:9/v1/traces', { exportTimeoutMs: 200 }), 100, sink, log);
    await exporter.close();
    exporter.submit(record(1));
    expect(c.dropped.shutdown).toBe(1);
  });
});
