import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '@periscope/proxy';
import { kafkaBrokers, startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { startIngestRole, type IngestRole } from '../roles/ingest-role.ts';
import { PERISCOPE_CLI } from '../testing/cli-command.ts';
import { loadUntilDeath, storedIds, summaryCount } from '../testing/crash-load.ts';

const env = { PERISCOPE_SECRET: 'shutdown-secret', PERISCOPE_ADMIN_TOKEN: 'shutdown-admin' };
const admin = { authorization: `Bearer ${env.PERISCOPE_ADMIN_TOKEN}` };

let dir: string;
let mock: MockUpstream;
let ingest: IngestRole;
let ingestUrl: string;
let proxy: ChildProcess;
let proxyUrl: string;
const spawned: ChildProcess[] = [];
const topic = `shutdown-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-shutdown-'));
  mock = await startMockUpstream({ record: false });
  const kafka = { brokers: kafkaBrokers(), topic, group_id: topic, partitions: 1, session_timeout_ms: 6000 };
  ingest = await startIngestRole({ config: parseConfig({ kafka }, {}), location: { dataDir: join(dir, 'store') }, env, logger: false });
  ingestUrl = await ingest.app.listen({ port: 0, host: '127.0.0.1' });
  await writeFile(join(dir, 'proxy.yaml'), JSON.stringify({
    providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-shutdown-abcdefghijklmnop' } }, kafka,
  }));
  ({ child: proxy, url: proxyUrl } = await spawnProxy(join(dir, 'proxy')));
}, 90_000);

function proxyProcess(dataDir: string): ChildProcess {
  const child = spawn(process.execPath, [...PERISCOPE_CLI, 'proxy', '--port', '0', '--control-url', ingestUrl, '--data-dir', dataDir, '--config', join(dir, 'proxy.yaml')], {
    env: { ...process.env, ...env, PERISCOPE_KAFKA_BROKERS: '' },
  });
  spawned.push(child);
  return child;
}

/** `periscope proxy` as users run it, on a data directory of its own; resolves with its gateway URL. */
async function spawnProxy(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = proxyProcess(dataDir);
  let out = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`proxy did not start:\n${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /OpenAI SDK:\s+(http:\/\/\S+)\/v1/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    child.stderr!.on('data', (d) => (out += d));
  });
  return { child, url };
}

async function newKey(project: string): Promise<string> {
  const created = await fetch(`${ingestUrl}/api/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ project }) });
  return ((await created.json()) as { key: string }).key;
}

/** The processes a process started (the proxy's Kafka shipper). */
async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`);
  const lists = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')));
  return lists.join(' ').split(/\s+/).filter(Boolean).map(Number);
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits until every answered call has its row; checks no row is there twice, in the table or in the rollups. Returns the stored ids. */
async function expectStoredOnce(project: string, answered: string[], timeout: number): Promise<string[]> {
  await expect.poll(async () => {
    const stored = new Set(await storedIds(ingestUrl, project, admin));
    return answered.filter((id) => !stored.has(id)).length;
  }, { timeout, interval: 250 }).toBe(0);
  const stored = await storedIds(ingestUrl, project, admin);
  expect(stored.length).toBe(new Set(stored).size);
  await expect.poll(() => summaryCount(ingestUrl, project, admin), { timeout: 10_000 }).toBe(stored.length);
  return stored;
}

afterAll(async () => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await ingest?.app.close();
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('periscope proxy on SIGTERM', () => {
  it('finishes the stream in flight, flushes its event through Kafka, and exits 0', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const key = await newKey(project);
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

describe('periscope proxy under SIGKILL', () => {
  it('refuses a second gateway on its data directory; killed, loses no answered call, stores none twice, and leaves no shipper process behind', async () => {
    const project = `kill-${randomUUID().slice(0, 8)}`;
    const key = await newKey(project);
    const dataDir = join(dir, 'proxy-killed');
    const first = await spawnProxy(dataDir);
    const auth = { 'periscope-auth': `Bearer ${key}` };
    await expect.poll(async () => (await fetch(`${first.url}/v1/models`, { headers: auth })).status, { timeout: 5000, interval: 50 }).toBe(200);
    const [shipper] = await childPids(first.child.pid!);
    expect(shipper).toBeGreaterThan(0);

    // A second gateway on the same data directory would delete segments the first appends to.
    const second = proxyProcess(dataDir);
    let refusal = '';
    second.stderr!.on('data', (d) => (refusal += d));
    const [code] = (await once(second, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(refusal).toContain(`is in use by another gateway (pid ${first.child.pid}`);

    let dead = false;
    const load = loadUntilDeath(first.url, key, () => dead);
    await new Promise((r) => setTimeout(r, 1500));
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    dead = true;
    const { answered, failed } = await load;
    expect(answered.length).toBeGreaterThan(50);
    // Orphaned, the shipper stops by itself: the next proxy's shipper must be the spool's only reader.
    await expect.poll(() => isAlive(shipper!), { timeout: 5000, interval: 50 }).toBe(false);

    // Started again on the same data directory, its shipper sends what the dead one had not.
    await spawnProxy(dataDir);
    const stored = await expectStoredOnce(project, answered, 60_000);
    console.log(`proxy SIGKILLed after 1.5 s: ${answered.length} calls answered, ${failed} cut off, ${stored.length} rows, every answered call stored once`);
  }, 120_000);
});

describe('periscope proxy with a spool cursor it cannot write', () => {
  it('keeps its shipper up, counts the failed writes on /metrics, and ships every answered call once when the disk is back', async () => {
    const project = `cursor-${randomUUID().slice(0, 8)}`;
    const key = await newKey(project);
    const dataDir = join(dir, 'proxy-cursor');
    const { child, url } = await spawnProxy(dataDir);
    const auth = { 'periscope-auth': `Bearer ${key}` };
    await expect.poll(async () => (await fetch(`${url}/v1/models`, { headers: auth })).status, { timeout: 5000, interval: 50 }).toBe(200);
    const [shipper] = await childPids(child.pid!);
    // The cursor is written to cursor.json.tmp, then renamed: a directory there fails every write, as a full disk does.
    const blocker = join(dataDir, 'spool', 'cursor.json.tmp');
    await mkdir(blocker);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${i}` }] }),
      });
      expect(res.status).toBe(200);
      ids.push(res.headers.get('periscope-request-id')!);
    }
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN);
    await expect.poll(() => metric('periscope_spool_cursor_write_failures_total'), { timeout: 15_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    expect(await metric('periscope_kafka_shipper_restarts_total')).toBe(0);
    expect(await childPids(child.pid!)).toEqual([shipper]);
    await rmdir(blocker);
    await expectStoredOnce(project, ids, 30_000);
    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 90_000);
});
