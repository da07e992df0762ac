import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { ExporterSettings, FromExporter, ToExporter } from './export-protocol.ts';
import { encodeJson } from './otlp-json.ts';
import { encodeProtobuf } from './otlp-protobuf.ts';
import { str, int, double, bool, type KeyValue, type OtlpResource, type OtlpSpan } from './otlp-model.ts';
import { buildSpans } from './span-builder.ts';
import { packedSpanCount, unpackCallSpanRecord, type PackedCallSpanRecord } from './span-record.ts';

/**
 * The exporter thread: builds spans from call records, batches them, encodes OTLP and posts it,
 * with a timeout per request and backoff between retries. Nothing here runs on the gateway's
 * event loop; the gateway only hands records over (see span-exporter.ts), and every span it
 * handed over is reported back as exported or dropped, so its queue bound holds across threads.
 */
const settings = workerData as ExporterSettings;
const port = parentPort!;
const send = (message: FromExporter) => port.postMessage(message);

function attribute(key: string, value: string | number | boolean): KeyValue {
  if (typeof value === 'string') return str(key, value);
  if (typeof value === 'boolean') return bool(key, value);
  return Number.isInteger(value) ? int(key, value) : double(key, value);
}

const resource: OtlpResource = {
  attributes: [
    str('service.name', settings.serviceName),
    str('telemetry.sdk.name', 'periscope'),
    str('telemetry.sdk.language', 'nodejs'),
    str('telemetry.sdk.version', settings.serviceVersion),
    ...Object.entries(settings.resourceAttributes).filter(([k]) => k !== 'service.name').map(([k, v]) => attribute(k, v)),
  ],
  scopeName: 'periscope.gateway',
  scopeVersion: settings.serviceVersion,
};
const encode = settings.protocol === 'http/json' ? encodeJson : encodeProtobuf;
const contentType = settings.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';

let queue: OtlpSpan[] = [];
let timer: NodeJS.Timeout | undefined;
let exporting: Promise<void> | undefined;
let closing = false;

function accept(records: PackedCallSpanRecord[]): void {
  for (const record of records) {
    try {
      queue.push(...buildSpans(unpackCallSpanRecord(record), { contentMaxBytes: settings.contentMaxBytes }));
    } catch {
      send({ type: 'settled', spans: packedSpanCount(record), outcome: 'dropped', reason: 'build_failed' });
    }
  }
  schedule();
}

function schedule(): void {
  if (exporting || queue.length === 0) return;
  if (queue.length >= settings.batchSize) {
    exporting = drain().finally(() => {
      exporting = undefined;
      schedule();
    });
    return;
  }
  timer ??= setTimeout(() => {
    timer = undefined;
    exporting ??= drain().finally(() => {
      exporting = undefined;
      schedule();
    });
  }, settings.batchIntervalMs);
}

async function drain(): Promise<void> {
  clearTimeout(timer);
  timer = undefined;
  while (queue.length > 0) {
    const batch = queue.slice(0, settings.batchSize);
    queue = queue.slice(batch.length);
    await exportBatch(batch);
  }
}

type Outcome = { ok: true } | { ok: false; reason: string; retryable: boolean; retryAfterMs?: number };

async function post(body: Buffer): Promise<Outcome> {
  try {
    const res = await request(settings.url, {
      method: 'POST',
      headers: Object.assign({}, settings.headers, { 'content-type': contentType }),
      body,
      signal: AbortSignal.timeout(settings.exportTimeoutMs),
    });
    await res.body.dump(); // frees the connection for the next batch
    const status = res.statusCode;
    if (status >= 200 && status < 300) return { ok: true };
    const retryable = status === 408 || status === 429 || status >= 500;
    const after = Number(res.headers['retry-after']);
    return { ok: false, reason: `http_${status}`, retryable, retryAfterMs: Number.isFinite(after) && after > 0 ? after * 1000 : undefined };
  } catch (err) {
    const name = (err as Error).name;
    return { ok: false, reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection', retryable: true };
  }
}

async function exportBatch(batch: OtlpSpan[]): Promise<void> {
  let body: Buffer;
  try {
    body = encode(resource, batch);
  } catch {
    send({ type: 'settled', spans: batch.length, outcome: 'dropped', reason: 'encode_failed' });
    return;
  }
  for (let attempt = 0; ; attempt++) {
    const outcome = await post(body);
    if (outcome.ok) {
      send({ type: 'settled', spans: batch.length, outcome: 'exported' });
      return;
    }
    send({ type: 'export_failed', reason: outcome.reason });
    if (!outcome.retryable) {
      send({ type: 'settled', spans: batch.length, outcome: 'dropped', reason: 'rejected' });
      return;
    }
    if (closing || attempt >= settings.maxRetries) {
      send({ type: 'settled', spans: batch.length, outcome: 'dropped', reason: 'export_failed' });
      return;
    }
    const ceiling = Math.min(settings.maxBackoffMs, settings.baseBackoffMs * 2 ** attempt);
    await sleep(Math.min(settings.maxBackoffMs, outcome.retryAfterMs ?? Math.random() * ceiling));
  }
}

port.on('message', (message: ToExporter) => {
  if (message.type === 'records') {
    accept(message.records);
    return;
  }
  closing ||= message.final;
  void (async () => {
    while (exporting) await exporting;
    exporting = drain();
    await exporting;
    exporting = undefined;
    send({ type: 'flushed', id: message.id });
  })();
});
