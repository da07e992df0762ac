import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/jaeger/jaeger', import.meta.url));
const HOST = '127.0.0.1';
// A fresh machine builds Jaeger from the Go module proxy first (scripts/test-prereqs starts that
// build early, in the background; a start waits for it). See scripts/jaeger/README.md.
const START_TIMEOUT_MS = 15 * 60_000;

/** An OTLP attribute value as OTLP/JSON writes it. */
type JsonAnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number; arrayValue?: { values?: JsonAnyValue[] } };

/** One span as Jaeger's query API v3 returns it (OTLP/JSON), with its resource's attributes. */
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
  attributes: Array<{ key: string; value: JsonAnyValue }>;
  status?: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

function plain(v: JsonAnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  return undefined;
}

/** A span's attributes as plain values (ints as numbers, arrays as arrays). */
export function attributesOf(span: StoredSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.filter((a) => !a.key.startsWith('@jaeger@')).map((a) => [a.key, plain(a.value)]));
}

export interface Jaeger {
  /** OTLP/HTTP traces endpoint, e.g. for `otel.endpoint`. */
  readonly otlpUrl: string;
  /** Query API and UI. */
  readonly queryUrl: string;
  /** The trace's spans once Jaeger has at least `minSpans` of them (polls up to `timeoutMs`); [] if none came. */
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
 * Jaeger v1.75.0 (built from the Go module proxy by scripts/jaeger/jaeger, cached in
 * .periscope/jaeger-bin) as a child of the test, with in-memory storage and every listener on a
 * free loopback port. It ends when the test process does, even if that is killed.
 */
export async function startJaeger(): Promise<Jaeger> {
  const [otlpPort, queryPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'periscope-jaeger-'));
  const logPath = join(dir, 'jaeger.log');
  const log = await open(logPath, 'a');
  const args = ['run', '--exit-with-stdin', '--dir', dir, '--otlp-port', String(otlpPort), '--query-port', String(queryPort), '--grpc-port', String(grpcPort)];
  const child: ChildProcess = spawn('bash', [SCRIPT, ...args], { stdio: ['pipe', log.fd, log.fd] });
  await log.close();
  child.on('exit', () => child.stdin?.destroy());
  const queryUrl = `http://${HOST}:${queryPort}`;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited()) {
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
      throw new Error(`Jaeger exited during startup (code ${child.exitCode}); ${logPath} ends:\n${tail}`);
    }
    const ready = (await portOpen(otlpPort)) && (await fetch(`${queryUrl}/api/services`).then((r) => r.ok, () => false));
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Jaeger not ready after ${START_TIMEOUT_MS} ms; see ${logPath}`);
    }
    await sleep(200);
  }

  async function getSpans(traceId: string): Promise<StoredSpan[]> {
    const res = await fetch(`${queryUrl}/api/v3/traces/${traceId}`);
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`Jaeger /api/v3/traces/${traceId}: ${res.status} ${await res.text()}`);
    type Body = { result: { resourceSpans: Array<{ resource?: { attributes?: StoredSpan['attributes'] }; scopeSpans: Array<{ spans: StoredSpan[] }> }> } };
    const body = (await res.json()) as Body;
    return body.result.resourceSpans.flatMap((rs) => {
      const resource = attributesOf({ attributes: rs.resource?.attributes ?? [] } as StoredSpan);
      return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, attributes: span.attributes ?? [], resource })));
    });
  }

  return {
    otlpUrl: `http://${HOST}:${otlpPort}/v1/traces`,
    queryUrl,
    async spans(traceId, minSpans = 1, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const spans = await getSpans(traceId);
        if (spans.length >= minSpans || Date.now() > until) return spans;
        await sleep(100);
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
      await rm(dir, { recursive: true, force: true });
    },
  };
}
