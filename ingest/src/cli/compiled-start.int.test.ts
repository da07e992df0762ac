import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { buildIfStale, DIST } from '../../../scripts/build-server.ts';
import { ADMIN_TOKEN } from '../testing/gateway-harness.ts';

/**
 * `periscope start` as production runs it: the compiled CLI from dist/ (built first when a
 * source changed), plain Node with no TypeScript loader, its store process the compiled child,
 * migrations and the UI found from the bundle.
 */
const CLI = join(DIST, 'periscope.mjs');
const UI_INDEX = resolve(import.meta.dirname, '../../../ui/dist/index.html');

let mock: MockUpstream;
let dir: string;
let child: ChildProcess;
let output = '';
let base = '';

const cmdline = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
const childPids = async (pid: number) =>
  (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean).map(Number);
const alive = (pid: number) => existsSync(`/proc/${pid}`);

beforeAll(async () => {
  await buildIfStale();
  mock = await startMockUpstream();
  dir = await mkdtemp(join(tmpdir(), 'periscope-compiled-'));
  await writeFile(join(dir, 'periscope.yaml'), `providers:\n  openai: { type: openai, base_url: "${mock.url}/v1", api_key: "sk-configured-abcdefghijklmnop" }\n`);
  child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--data-dir', join(dir, 'data')], {
    cwd: dir, env: { ...process.env, NODE_OPTIONS: '', PERISCOPE_KAFKA_BROKERS: '', PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  base = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`not started in 15 s:\n${output}`)), 15_000);
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
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('compiled periscope start', () => {
  it('runs the bundles with plain Node, relays an SDK call, stores its row, serves the UI, and stops on SIGTERM', async () => {
    const gateway = await cmdline(child.pid!);
    const [store] = await childPids(child.pid!);
    expect(store, 'the store process').toBeDefined();
    const storeLine = await cmdline(store!);
    expect(gateway.slice(1)).toEqual([CLI, 'start', '--port', '0', '--data-dir', join(dir, 'data')]);
    expect(storeLine.slice(1)).toEqual([join(DIST, 'child.mjs')]);
    expect([...gateway, ...storeLine].join(' ')).not.toMatch(/tsx/);

    const key = /Gateway key:\s+(\S+)/.exec(output)![1]!;
    const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0 });
    const { data: completion, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(completion.choices[0]!.message.role).toBe('assistant');
    const id = response.headers.get('periscope-request-id')!;

    let rows: { request_id: string; model: string }[] = [];
    const deadline = Date.now() + 5000;
    while (rows.length === 0 && Date.now() < deadline) {
      const res = await fetch(`${base}/api/sql`, {
        method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT request_id, model FROM requests WHERE request_id = {id:String}', params: { id } }),
      });
      expect(res.status).toBe(200);
      rows = ((await res.json()) as { data: typeof rows }).data;
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toEqual([{ request_id: id, model: 'gpt-4o-mini' }]);

    // ui/dist found from the bundle: the built UI when there is one (`pnpm build`), else the status page.
    const page = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    if (existsSync(UI_INDEX)) expect(page).toBe(await readFile(UI_INDEX, 'utf8'));
    else expect(page).toMatch(/web UI is not built/);

    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const storeGone = Date.now() + 5000;
    while (alive(store!) && Date.now() < storeGone) await new Promise((r) => setTimeout(r, 50));
    expect(alive(store!), 'the store process exits with the gateway').toBe(false);
  });
});
