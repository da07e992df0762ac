import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/otelcol/otelcol', import.meta.url));
const BUILD_LOG = fileURLToPath(new URL('../../.periscope/otelcol-build.log', import.meta.url));
const HOST = '127.0.0.1';
// A fresh machine builds the collector from the Go module proxy first (a few minutes on two busy
// cores; scripts/test-prereqs starts that build early, in the background, and a start waits for it).
// See scripts/otelcol/README.md.
export const OTEL_COLLECTOR_START_TIMEOUT_MS = 12 * 60_000;
const WAIT_NOTICE_EVERY_MS = 60_000;

/** An OTLP attribute value as OTLP/JSON writes it. */
type JsonAnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number; arrayValue?: { values?: JsonAnyValue[] } };
type JsonAttribute = { key: string; value: JsonAnyValue };

/** One span as the collector forwarded it (OTLP/JSON), with its resource's attributes. */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: JsonAttribute[];
  status?: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

type TracesRequest = { resourceSpans?: Array<{ resource?: { attributes?: JsonAttribute[] }; scopeSpans?: Array<{ spans?: StoredSpan[] }> }> };

function plain(v: JsonAnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  return undefined;
}

function plainAttributes(attributes: JsonAttribute[]): Record<string, unknown> {
  return Object.fromEntries(attributes.map((a) => [a.key, plain(a.value)]));
}

/** A span's attributes as plain values (ints as numbers, arrays as arrays). */
export function attributesOf(span: StoredSpan): Record<string, unknown> {
  return plainAttributes(span.attributes);
}

export interface OtelCollector {
  /** The collector's OTLP/HTTP traces endpoint, e.g. for `otel.endpoint`. */
  readonly otlpUrl: string;
  /** The trace's spans once the collector has forwarded at least `minSpans` of them (polls up to `timeoutMs`); [] if none came. */
  spans(traceId: string, minSpans?: number, timeoutMs?: number): Promise<StoredSpan[]>;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * What the collector forwards: an OTLP/HTTP JSON receiver in the test process that keeps every
 * span by trace id. Anything it cannot read is kept as a problem that `spans()` reports.
 */
async function startForwardSink() {
  const byTrace = new Map<string, StoredSpan[]>();
  const problems: string[] = [];
  const receive = (body: string) => {
    const request = JSON.parse(body) as TracesRequest;
    for (const rs of request.resourceSpans ?? []) {
      const resource = plainAttributes(rs.resource?.attributes ?? []);
      for (const span of (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])) {
        const stored = { ...span, attributes: span.attributes ?? [], resource };
        byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), stored]);
      }
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/json') throw new Error(`unexpected ${req.method} ${req.url} (${req.headers['content-type']})`);
        receive(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        problems.push(String(err));
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(err) }));
      }
    });
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  return {
    url: `http://${HOST}:${(server.address() as AddressInfo).port}/v1/traces`,
    spansOf: (traceId: string) => byTrace.get(traceId) ?? [],
    problems,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * The OpenTelemetry Collector of scripts/otelcol (OTLP receiver and OTLP/HTTP exporter, built from
 * the Go module proxy and cached in .periscope/otelcol-bin) as a child of the test, on a free
 * loopback port. It decodes what it receives (OTLP/HTTP protobuf or JSON; a malformed export gets
 * its 400) and forwards every span, re-encoded as OTLP/JSON, to a receiver in this process, which
 * `spans()` reads. It ends when the test process does, even if that is killed.
 */
export async function startOtelCollector(): Promise<OtelCollector> {
  const sink = await startForwardSink();
  const otlpPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'periscope-otelcol-'));
  const logPath = join(dir, 'otelcol.log');
  const log = await open(logPath, 'a');
  const { stdout } = await promisify(execFile)('bash', [SCRIPT, 'path']);
  const exe = stdout.trim();
  const started = Date.now();
  if (!existsSync(exe)) {
    console.warn(`startOtelCollector: waiting for the collector's build (${exe} is not there yet; scripts/test-prereqs starts it in the background and logs to ${BUILD_LOG}; a cold build takes a few minutes)`);
  }
  const args = ['run', '--exit-with-stdin', '--dir', dir, '--otlp-port', String(otlpPort), '--forward-url', sink.url];
  const child: ChildProcess = spawn('bash', [SCRIPT, ...args], { stdio: ['pipe', log.fd, log.fd] });
  await log.close();
  child.on('exit', () => child.stdin?.destroy());
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  let nextNotice = started + WAIT_NOTICE_EVERY_MS;
  for (;;) {
    if (exited()) {
      await sink.close();
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
      throw new Error(`the OpenTelemetry Collector exited during startup (code ${child.exitCode}); ${logPath} ends:\n${tail}`);
    }
    if (await portOpen(otlpPort)) break;
    if (Date.now() > started + OTEL_COLLECTOR_START_TIMEOUT_MS) {
      child.kill('SIGKILL');
      await sink.close();
      throw new Error(`the OpenTelemetry Collector was not ready after ${OTEL_COLLECTOR_START_TIMEOUT_MS} ms; see ${logPath} and ${BUILD_LOG}`);
    }
    if (Date.now() > nextNotice) {
      console.warn(`startOtelCollector: still waiting after ${Math.round((Date.now() - started) / 1000)} s (${existsSync(exe) ? 'built, starting' : `building; see ${BUILD_LOG}`})`);
      nextNotice += WAIT_NOTICE_EVERY_MS;
    }
    await sleep(200);
  }

  return {
    otlpUrl: `http://${HOST}:${otlpPort}/v1/traces`,
    async spans(traceId, minSpans = 1, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const spans = sink.spansOf(traceId);
        if (spans.length >= minSpans || Date.now() > until) {
          if (sink.problems.length) throw new Error(`the collector forwarded what the test could not read: ${sink.problems.join('; ')}`);
          return spans;
        }
        await sleep(50);
      }
    },
    async stop() {
      if (!exited()) {
        const gone = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
