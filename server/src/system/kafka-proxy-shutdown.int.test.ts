import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '@periscope/proxy';
import { kafkaBrokers, startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { startIngestRole, type IngestRole } from '../roles/ingest-role.ts';
import { PERISCOPE_CLI } from '../testing/cli-command.ts';

const env = { PERISCOPE_SECRET: 'shutdown-secret', PERISCOPE_ADMIN_TOKEN: 'shutdown-admin' };
const admin = { authorization: `Bearer ${env.PERISCOPE_ADMIN_TOKEN}` };

let dir: string;
let mock: MockUpstream;
let ingest: IngestRole;
let ingestUrl: string;
let proxy: ChildProcess;
let proxyUrl: string;
const topic = `shutdown-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-shutdown-'));
  mock = await startMockUpstream();
  const kafka = { brokers: kafkaBrokers(), topic, partitions: 1, session_timeout_ms: 6000 };
  ingest = await startIngestRole({ config: parseConfig({ kafka }, {}), location: { dataDir: join(dir, 'store') }, env, logger: false });
  ingestUrl = await ingest.app.listen({ port: 0, host: '127.0.0.1' });
  await writeFile(join(dir, 'proxy.yaml'), JSON.stringify({
    providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-shutdown-abcdefghijklmnop' } }, kafka,
  }));
  proxy = spawn(process.execPath, [...PERISCOPE_CLI, 'proxy', '--port', '0', '--control-url', ingestUrl, '--data-dir', join(dir, 'proxy'), '--config', join(dir, 'proxy.yaml')], {
    env: { ...process.env, ...env, PERISCOPE_KAFKA_BROKERS: '' },
  });
  let out = '';
  proxyUrl = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`proxy did not start:\n${out}`)), 60_000);
    proxy.stdout!.on('data', (d) => {
      out += d;
      const m = /OpenAI SDK:\s+(http:\/\/\S+)\/v1/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    proxy.stderr!.on('data', (d) => (out += d));
  });
}, 90_000);

afterAll(async () => {
  if (proxy && proxy.exitCode === null && proxy.signalCode === null) proxy.kill('SIGKILL');
  await ingest?.app.close();
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('periscope proxy on SIGTERM', () => {
  it('finishes the stream in flight, flushes its event through Kafka, and exits 0', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const created = await fetch(`${ingestUrl}/api/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ project }) });
    const { key } = (await created.json()) as { key: string };
    const auth = { 'periscope-auth': `Bearer ${key}` };
    await expect.poll(async () => (await fetch(`${proxyUrl}/v1/models`, { headers: auth })).status, { timeout: 5000, interval: 50 }).toBe(200);

    const res = await fetch(`${proxyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-mock-scenario': 'slow-stream-300' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const requestId = res.headers.get('periscope-request-id')!;
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const exited = new Promise<number | null>((r) => proxy.once('exit', (code) => r(code)));
    const t0 = Date.now();
    proxy.kill('SIGTERM');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('data: [DONE]');
    expect(await exited).toBe(0);
    console.log(`proxy exited ${Date.now() - t0} ms after SIGTERM, the stream in flight complete`);
    const t1 = Date.now();

    await expect.poll(async () => {
      const r = await fetch(`${ingestUrl}/api/requests/${requestId}?project=${project}`, { headers: admin });
      return r.status === 200 ? ((await r.json()) as { status: number; error_type: string; streamed: boolean }) : null;
    }, { timeout: 30_000, interval: 250 }).toMatchObject({ status: 200, error_type: '', streamed: true });
    console.log(`its row was in the store ${Date.now() - t1} ms later`);
  }, 90_000);
});
