import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { kafkaBrokers, startMockUpstream, threadsNotIdle, type MockUpstream } from '@periscope/testkit';
import { buildIfStale, DIST } from '../../../scripts/build-server.ts';
import { ADMIN_TOKEN } from '../testing/gateway-harness.ts';

/**
 * `periscope start` as production runs it: the compiled CLI from dist/ (built first when a
 * source changed) under plain Node, no TypeScript loader; its store process, Kafka shipper process
 * and OpenTelemetry exporter thread the compiled bundles next to it; migrations and the UI found
 * from there.
 */
const CLI = join(DIST, 'periscope.mjs');
const UI_INDEX = resolve(import.meta.dirname, '../../../ui/dist/index.html');

interface Compiled {
  child: ChildProcess;
  base: string;
  output: () => string;
}

let mock: MockUpstream;
let dir: string;
let running: Compiled | undefined;

const cmdline = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
const childPids = async (pid: number) =>
  (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean).map(Number);
const alive = (pid: number) => existsSync(`/proc/${pid}`);
/**
 * Like the source CLI's test (cli.int.test.ts): a cold start takes 2-5 s here, but CI runs two
 * test files at once on two cores, and one start there printed nothing for 15 s.
 */
const START_WAIT_MS = 60_000;
/** Room for a slow start, the call and the stop. */
const START_TEST_MS = START_WAIT_MS + 40_000;

async function startCompiled(name: string, config: object, args: string[] = [], nodeFlags: string[] = []): Promise<Compiled> {
  const configFile = join(dir, `${name}.yaml`);
  await writeFile(configFile, JSON.stringify({ providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-configured-abcdefghijklmnop' } }, ...config }));
  const child = spawn(process.execPath, [...nodeFlags, CLI, 'start', '--port', '0', '--data-dir', join(dir, name), '--config', configFile, ...args], {
    // The default background priority (idle), as production runs it, not the suite's (vitest.config.ts).
    cwd: dir, env: { ...process.env, NODE_OPTIONS: '', PERISCOPE_KAFKA_BROKERS: '', PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN, PERISCOPE_BACKGROUND_PRIORITY: '' },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  running = { child, base: '', output: () => output };
  running.base = await new Promise<string>((done, fail) => {
    const timer = setTimeout(async () => {
      const below = await childPids(child.pid!);
      fail(new Error(`not started in ${START_WAIT_MS / 1000} s (processes under it: ${below.join(', ') || 'none'}):\n${output}`));
    }, START_WAIT_MS);
    child.stdout!.on('data', () => {
      const url = /UI and API:\s+(\S+)/.exec(output)?.[1];
      if (!url || !output.includes('Gateway key:')) return;
      clearTimeout(timer);
      done(url.replace(/\/$/, ''));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code}:\n${output}`));
    });
  });
  return running;
}

/** One call through the official SDK: its request id and its rows as /api/sql returns them. */
async function callAndFindRow(p: Compiled): Promise<{ id: string; rows: unknown[] }> {
  const key = /Gateway key:\s+(\S+)/.exec(p.output())![1]!;
  const openai = new OpenAI({ apiKey: key, baseURL: `${p.base}/v1`, maxRetries: 0 });
  const { data: completion, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(completion.choices[0]!.message.role).toBe('assistant');
  const id = response.headers.get('periscope-request-id')!;
  // The store or the shipper runs at idle priority here: behind the suite's other files on a busy machine.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${p.base}/api/sql`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT request_id, model FROM requests WHERE request_id = {id:String}', params: { id } }),
    });
    expect(res.status).toBe(200);
    const rows = ((await res.json()) as { data: unknown[] }).data;
    if (rows.length > 0 || Date.now() > deadline) return { id, rows };
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sigterm(p: Compiled): Promise<number | null> {
  const exited = new Promise<number | null>((done) => p.child.once('exit', (code) => done(code)));
  p.child.kill('SIGTERM');
  return exited;
}

beforeAll(async () => {
  await buildIfStale();
  mock = await startMockUpstream();
  dir = await mkdtemp(join(tmpdir(), 'periscope-compiled-'));
}, 60_000);

/** A test that failed half way leaves its processes: gone (store process included) before the next. */
afterEach(async () => {
  const child = running?.child;
  running = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const children = await childPids(child.pid!);
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
  const deadline = Date.now() + 15_000;
  while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('compiled periscope start', () => {
  it('loads no Kafka, ClickHouse-server, SMTP or Redis client in the gateway process: those are imported where they are used', async () => {
    // The static imports of the start and proxy commands' bundles, followed through dist/: what
    // the gateway process loads before it takes a call. Each of these clients is megabytes of
    // heap, and the gateway of either role talks to none of them (its shipper, store and ingest
    // processes do; Redis and SMTP only when configured).
    const files = (await readdir(DIST)).filter((f) => f.endsWith('.mjs'));
    const sources = new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(DIST, f), 'utf8')] as const)));
    const staticImports = (text: string) => [...text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"(?:\s*(?:with|assert)\s*\{[^}]*\})?;|^import\s*"([^"]+)";/gms)].map((m) => (m[1] ?? m[2])!);
    // 'kafkajs/src/x.js' is kafkajs, '@clickhouse/client-common' is ClickHouse's client.
    const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
    for (const command of ['start', 'proxy']) {
      const entry = files.find((f) => sources.get(f)!.includes(`// server/src/cli/commands/${command}.ts\n`));
      expect(entry, `the bundle of server/src/cli/commands/${command}.ts`).toBeDefined();
      const packages = new Set<string>();
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const spec of staticImports(sources.get(file)!)) {
          if (spec.startsWith('./')) visit(spec.slice(2));
          else packages.add(packageOf(spec));
        }
      };
      visit(entry!);
      visit('periscope.mjs');
      // The OpenTelemetry exporter is a worker thread of the gateway process.
      visit('exporter-thread.mjs');
      expect(packages.has('fastify'), `${command} loads fastify (the walk works)`).toBe(true);
      const heavy = [...packages].filter((p) => ['kafkajs', 'nodemailer', 'ioredis', 'chdb'].includes(p) || p.startsWith('@clickhouse/'));
      expect(heavy, command).toEqual([]);
    }
  });

  it('runs the bundles with plain Node, relays an SDK call, stores its row, serves the UI, and stops on SIGTERM', async () => {
    const p = await startCompiled('embedded', {}, [], ['--trace-protector-invalidation']);
    const gateway = await cmdline(p.child.pid!);
    const [store] = await childPids(p.child.pid!);
    expect(store, 'the store process').toBeDefined();
    const storeLine = await cmdline(store!);
    expect(gateway.slice(1, 4)).toEqual(['--trace-protector-invalidation', CLI, 'start']);
    // Spent before the gateway serves, not under load (detachOneArrayBuffer); only the gateway has the flag.
    const spent = p.output().indexOf('Invalidating protector cell ArrayBufferDetaching');
    expect(spent, 'V8\'s ArrayBufferDetaching protector spent as the gateway starts').toBeGreaterThanOrEqual(0);
    expect(spent).toBeLessThan(p.output().indexOf('UI and API'));
    expect(storeLine.slice(1)).toEqual([join(DIST, 'child.mjs')]);
    expect([...gateway, ...storeLine].join(' ')).not.toMatch(/tsx/);

    const { id, rows } = await callAndFindRow(p);
    expect(rows).toEqual([{ request_id: id, model: 'gpt-4o-mini' }]);
    // Every thread of the store process, chDB's that inserted the row included, yields the core to calls (docs/deployment.md).
    expect(await threadsNotIdle(store!), 'threads of the store process not under SCHED_IDLE').toEqual([]);

    // ui/dist found from the bundle: the built UI when there is one (`pnpm build`), else the status page.
    const page = await (await fetch(`${p.base}/`, { headers: { accept: 'text/html' } })).text();
    if (existsSync(UI_INDEX)) expect(page).toBe(await readFile(UI_INDEX, 'utf8'));
    else expect(page).toMatch(/web UI is not built/);

    expect(await sigterm(p)).toBe(0);
    const storeGone = Date.now() + 5000;
    while (alive(store!) && Date.now() < storeGone) await new Promise((r) => setTimeout(r, 50));
    expect(alive(store!), 'the store process exits with the gateway').toBe(false);
  }, START_TEST_MS);

  it('ships through Kafka (the shipper process) and exports OpenTelemetry spans (the exporter thread) from their bundles', async () => {
    const traces: string[] = [];
    const collector: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        traces.push(`${req.url} ${body}`);
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    try {
      const port = (collector.address() as { port: number }).port;
      const p = await startCompiled('kafka', {
        kafka: { topic: `compiled-${process.pid}-${Date.now()}`, group_id: `compiled-${process.pid}-${Date.now()}`, partitions: 1, session_timeout_ms: 6000 },
        otel: { endpoint: `http://127.0.0.1:${port}`, protocol: 'http/json', batch_interval_ms: 50 },
      }, ['--kafka', kafkaBrokers().join(',')]);
      const pids = await childPids(p.child.pid!);
      const below = await Promise.all(pids.map(async (pid) => (await cmdline(pid)).slice(1)));
      expect(below).toContainEqual([join(DIST, 'shipper-process.mjs')]);
      const { id, rows } = await callAndFindRow(p);
      const shipper = pids[below.findIndex((line) => line[0] === join(DIST, 'shipper-process.mjs'))]!;
      expect(await threadsNotIdle(shipper), 'threads of the shipper process not under SCHED_IDLE').toEqual([]);
      expect(rows, `the row through Kafka:\n${p.output()}`).toEqual([{ request_id: id, model: 'gpt-4o-mini' }]);
      const deadline = Date.now() + 5000;
      while (traces.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(traces.join('\n')).toMatch(/^\/v1\/traces .*gpt-4o-mini/);
      expect(await sigterm(p)).toBe(0);
    } finally {
      collector.close();
    }
  }, START_TEST_MS);
});
