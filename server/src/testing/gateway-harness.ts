import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '@periscope/proxy';
import type { RequestDetail, RequestRow } from '@periscope/clickhouse';
import { startMockUpstream, suitePriorityEnv, type MockUpstream, type MockUpstreamOptions } from '@periscope/testkit';
import { startEmbedded, type EmbeddedServer } from '../server.ts';

export const ADMIN_TOKEN = 'test-admin-token';

export interface GatewayHarness {
  /** `http://127.0.0.1:PORT` of the gateway. */
  url: string;
  server: EmbeddedServer;
  mock: MockUpstream;
  dataDir: string;
  /** Everything the server logged. */
  logs: () => string;
  /** A fresh project with its own gateway key, so tests never see each other's rows. */
  newProject(): Promise<{ project: string; key: string }>;
  api<T>(path: string): Promise<{ status: number; body: T; text: string }>;
  /** Waits until the row is queryable (the writer batches), then returns it with bodies. */
  row(requestId: string, project: string): Promise<RequestDetail>;
  /**
   * The project's rows once at least `atLeast` are queryable. Polls because an event is built
   * when the server sees the connection close, which can come after the client saw the end.
   */
  rows(project: string, query?: string, atLeast?: number): Promise<RequestRow[]>;
  close(): Promise<void>;
}

/**
 * The embedded server on a real port with a real chDB store in a temp dir, and the mock
 * upstream configured as every provider type. Short timeouts so timeout tests are quick.
 */
export interface HarnessOptions {
  /** Merged over the base config (models, routing, limits, ...); providers are merged by name. */
  config?: (mockUrl: string) => Record<string, unknown>;
  /** Extra environment for the server (PERISCOPE_REDIS_URL, ...). */
  env?: Record<string, string>;
  /** Watched for hot reload, like `periscope start --config`. */
  configFile?: string;
  /** Options of the mock upstream (tool inputs, prompt-cache accounting, ...). */
  mock?: MockUpstreamOptions;
}

export async function startGatewayHarness(
  extraProviders: (mockUrl: string) => Record<string, unknown> = () => ({}),
  options: HarnessOptions = {},
): Promise<GatewayHarness> {
  const mock = await startMockUpstream(options.mock);
  const dataDir = await mkdtemp(join(tmpdir(), 'periscope-test-'));
  let logText = '';
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logText += String(chunk);
      cb();
    },
  });
  const base: Record<string, unknown> = {
    providers: {
      openai: { type: 'openai', base_url: `${mock.url}/v1` },
      anthropic: { type: 'anthropic', base_url: mock.url },
      gemini: { type: 'gemini', base_url: `${mock.url}/v1beta/openai`, api_key: 'gemini-configured-key-123' },
      azure: { type: 'azure-openai', base_url: mock.url, api_key: 'azure-configured-key-123' },
      groq: { type: 'openai-compatible', base_url: `${mock.url}/v1`, api_key: 'gsk_configuredgroqkey1234567890' },
      // Port 9 (discard) has no listener on loopback: connections are refused at once.
      unreachable: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
      ...extraProviders(mock.url),
    },
    models: { fast: { deployments: [{ provider: 'groq', model: 'llama-3.1-8b-instant' }] } },
    pricing: { 'llama-3.1-8b-instant': { input: 0.05, output: 0.08 } },
    gateway: { timeouts: { connect_ms: 2000, headers_ms: 1500, idle_body_ms: 1500 }, max_request_bytes: 1024 * 1024 },
  };
  const config = parseConfig(mergeSections(base, options.config?.(mock.url) ?? {}), suitePriorityEnv());
  const server = await startEmbedded({
    dataDir, config, env: { PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env }, logger: { level: 'debug', stream: logStream },
    configFile: options.configFile,
  });
  const url = (await server.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');

  async function api<T>(path: string) {
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as T, text };
  }

  return {
    url, server, mock, dataDir,
    logs: () => logText,
    async newProject() {
      const project = `p-${randomUUID().slice(0, 8)}`;
      const res = await fetch(`${url}/api/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project, name: 'test' }),
      });
      const body = (await res.json()) as { key: string };
      return { project, key: body.key };
    },
    api,
    async row(requestId, project) {
      const deadline = Date.now() + 3000;
      for (;;) {
        await server.flush();
        const res = await api<RequestDetail>(`/api/requests/${encodeURIComponent(requestId)}?project=${project}`);
        if (res.status === 200) return res.body;
        if (Date.now() > deadline) throw new Error(`row ${requestId}: ${res.status} ${res.text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async rows(project, query = '', atLeast = 1) {
      const deadline = Date.now() + 3000;
      for (;;) {
        await server.flush();
        const res = await api<{ data: RequestRow[] }>(`/api/requests?project=${project}${query ? `&${query}` : ''}`);
        if (res.body.data.length >= atLeast || Date.now() > deadline) return res.body.data;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await server.app.close();
      await mock.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A test's config over the harness's: a top-level section both set is merged one level deep. */
function mergeSections(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const mine = base[key];
    out[key] = isMapping(mine) && isMapping(value) ? { ...mine, ...value } : value;
  }
  return out;
}
