import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@periscope/clickhouse';
import { makeEvent, newProjectId } from '@periscope/clickhouse/testing';
import { parseConfig } from '@periscope/proxy';
import { startRedisServer, type RedisServer } from '@periscope/testkit';
import { SecretBox } from '../channels/index.ts';
import { AlertEvaluator } from '../evaluator.ts';
import { ClickHouseLease } from './clickhouse-lease.ts';
import type { Lease } from './lease.ts';
import { toRecord } from '../rule-record.ts';
import type { AlertRule } from '@periscope/contract';
import { startWebhookReceiver, type WebhookReceiver } from '../../testing/webhook-receiver.ts';

/**
 * Exactly one evaluator acts among several ingest workers. chDB lets one process open a data
 * directory, so workers sharing a store are evaluators in this process on one chDB store (the
 * production evaluator and ClickHouse lease, contending through ClickHouse); the Redis lease
 * is contended by separate processes.
 */
let dir: string;
let store: Store;
let hook: WebhookReceiver;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-lease-'));
  store = await openStore({ dataDir: dir });
  await store.migrate();
  hook = await startWebhookReceiver();
}, 60_000);
afterAll(async () => {
  await store?.close();
  await hook?.close();
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TTL = 2000;
const SETTLE = 150;

describe('ClickHouse lease', () => {
  it('lets exactly one of several candidates lead in every round, and keeps the same leader', async () => {
    const name = `lease-${newProjectId()}`;
    const workers = ['w1', 'w2', 'w3'].map((h) => new ClickHouseLease(store, name, h, { ttlMs: TTL, settleMs: SETTLE }));
    const leaders: string[] = [];
    for (let round = 0; round < 12; round++) {
      const results = await Promise.all(workers.map((w) => w.ensure()));
      expect(results.filter(Boolean).length, `round ${round}`).toBeLessThanOrEqual(1);
      leaders.push(workers.find((_, i) => results[i])?.holder ?? '-');
      await sleep(250);
    }
    // The first round may end with nobody (all claimed, one won, the winner reads it next round).
    const led = leaders.filter((l) => l !== '-');
    expect(led.length).toBeGreaterThanOrEqual(11);
    expect(new Set(led).size).toBe(1);
  });

  it('moves to another worker only after the leader stopped renewing and its TTL ran out; the old leader then stands down', async () => {
    const name = `lease-${newProjectId()}`;
    const a = new ClickHouseLease(store, name, 'a', { ttlMs: TTL, settleMs: SETTLE });
    const b = new ClickHouseLease(store, name, 'b', { ttlMs: TTL, settleMs: SETTLE });
    expect(await a.ensure()).toBe(true);
    const lastRenewal = Date.now();
    expect(await b.ensure()).toBe(false);
    let tookOver = 0;
    while (!tookOver) {
      if (await b.ensure()) tookOver = Date.now();
      else await sleep(100);
      expect(Date.now() - lastRenewal).toBeLessThan(TTL + 3000);
    }
    expect(tookOver - lastRenewal).toBeGreaterThanOrEqual(TTL - 100);
    expect(await a.ensure()).toBe(false);
    expect(await b.ensure()).toBe(true);
  });

  it('hands over at once when the leader releases it', async () => {
    const name = `lease-${newProjectId()}`;
    const a = new ClickHouseLease(store, name, 'a', { ttlMs: 60_000, settleMs: SETTLE });
    const b = new ClickHouseLease(store, name, 'b', { ttlMs: 60_000, settleMs: SETTLE });
    expect(await a.ensure()).toBe(true);
    expect(await b.ensure()).toBe(false);
    await a.release();
    expect(await b.ensure()).toBe(true);
    expect(await a.ensure()).toBe(false);
  });
});

describe('two evaluators on one store', () => {
  it('notify each transition once, and the survivor resolves what the crashed leader fired', async () => {
    const project = newProjectId('lease');
    const box = new SecretBox(Buffer.from('lease-test-secret'));
    const now = Date.now();
    const rule: AlertRule = {
      id: `alr_${project}`, version: 1, name: 'two workers', project, enabled: true, metric: 'requests', aggregation: 'count', filter: {}, group_by: null,
      window: '10s', comparator: '>=', threshold: 3, min_requests: 1, interval: '1s', resolve_after: '0s', renotify: null, severity: 'warning',
      channels: [{ type: 'webhook', url: `${hook.url}/hooks/${project}`, secret: 'x' }],
      created_at: now, created_by: 'test', updated_at: now, updated_by: 'test',
    };
    await store.saveAlertRule(toRecord(rule, box));
    const config = parseConfig({ alerts: { allow_private_targets: true } }, {});
    const quiet = { info: () => {}, warn: () => {} };
    const evaluator = (holder: string, crashes: boolean) => {
      const real = new ClickHouseLease(store, 'alert-evaluator-two', holder, { ttlMs: TTL, settleMs: SETTLE });
      // A crash: the process is gone without handing the lease over.
      const lease: Lease = crashes ? { holder, kind: real.kind, ensure: () => real.ensure(), release: async () => {} } : real;
      return new AlertEvaluator({ store, lease, box, config: () => config, publicUrl: () => 'http://ui.test', log: quiet, tickMs: 200, rulesRefreshMs: 500 });
    };
    const workers = [evaluator('worker-1', true), evaluator('worker-2', true)];
    workers.forEach((w) => w.start());
    try {
      await store.insertRequests([0, 1, 2].map(() => makeEvent({ project_id: project, created_at: Date.now() - 1000 })));
      const [firing] = await hook.waitFor((r) => r.path === `/hooks/${project}`, 1, 15_000);
      expect(firing!.body).toMatchObject({ state: 'firing', value: 3 });
      await sleep(1500);
      expect(hook.received.filter((r) => r.path === `/hooks/${project}`)).toHaveLength(1);

      const leader = workers.find((w) => w.leading)!;
      const survivor = workers.find((w) => w !== leader)!;
      expect(survivor.leading).toBe(false);
      await leader.stop();
      // The window passes the calls; the survivor takes over after the TTL, loads the stored state and resolves once.
      const [, resolved] = await hook.waitFor((r) => r.path === `/hooks/${project}`, 2, 30_000);
      expect(resolved!.body).toMatchObject({ state: 'resolved', value: null, id: `${rule.id}::2:resolved` });
      expect(survivor.leading).toBe(true);
      await sleep(1500);
      expect(hook.received.filter((r) => r.path === `/hooks/${project}`).map((r) => r.body.state)).toEqual(['firing', 'resolved']);
      const history = await store.listAlertEvents({ rule_id: rule.id });
      expect(history.map((e) => e.kind)).toEqual(['resolved', 'firing']);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 60_000);
});

describe('an evaluator whose store fails', () => {
  it('logs the failed round and fires once the store answers again', async () => {
    const project = newProjectId('flaky');
    const box = new SecretBox(Buffer.from('flaky-test-secret'));
    const now = Date.now();
    await store.saveAlertRule(toRecord({
      id: `alr_${project}`, version: 1, name: 'flaky store', project, enabled: true, metric: 'requests', aggregation: 'count', filter: {}, group_by: null,
      window: '1m', comparator: '>=', threshold: 1, min_requests: 1, interval: '1s', resolve_after: '0s', renotify: null, severity: 'warning',
      channels: [{ type: 'webhook', url: `${hook.url}/hooks/${project}` }], created_at: now, created_by: 'test', updated_at: now, updated_by: 'test',
    }, box));
    await store.insertRequests([makeEvent({ project_id: project, created_at: Date.now() - 1000 })]);
    let failures = 3;
    const flaky: Store = { ...store, listAlertRules: (p) => (failures-- > 0 ? Promise.reject(new Error('ClickHouse is down')) : store.listAlertRules(p)) };
    const warnings: string[] = [];
    const lease = new ClickHouseLease(store, `flaky-${project}`, 'solo', { ttlMs: TTL, settleMs: SETTLE });
    const evaluator = new AlertEvaluator({
      store: flaky, lease, box, config: () => parseConfig({ alerts: { allow_private_targets: true } }, {}), publicUrl: () => 'http://ui.test',
      log: { info: () => {}, warn: (o, msg) => warnings.push(`${msg}: ${(o as { err?: string }).err}`) }, tickMs: 200, rulesRefreshMs: 0,
    });
    evaluator.start();
    try {
      const [fired] = await hook.waitFor((r) => r.path === `/hooks/${project}`, 1, 15_000);
      expect(fired!.body).toMatchObject({ rule: 'flaky store', state: 'firing' });
      expect(warnings.filter((w) => w === 'alert evaluation round failed: ClickHouse is down')).toHaveLength(3);
    } finally {
      await evaluator.stop();
    }
  }, 30_000);
});

describe('a round that outlives its lease', () => {
  it('re-checks the lease between rules and stops as soon as it is lost', async () => {
    const project = newProjectId('midway');
    const box = new SecretBox(Buffer.from('midway-test-secret'));
    const now = Date.now();
    for (const name of ['a first rule', 'b second rule']) {
      await store.saveAlertRule(toRecord({
        id: `alr_${project}_${name[0]}`, version: 1, name, project, enabled: true, metric: 'requests', aggregation: 'count', filter: {}, group_by: null,
        window: '1m', comparator: '>=', threshold: 1, min_requests: 1, interval: '1m', resolve_after: '0s', renotify: null, severity: 'warning',
        channels: [{ type: 'webhook', url: `${hook.url}/hooks/${project}` }], created_at: now, created_by: 'test', updated_at: now, updated_by: 'test',
      }, box));
    }
    await store.insertRequests([makeEvent({ project_id: project, created_at: Date.now() - 1000 })]);
    // Leads at the start of the round and before the first rule, then has lost it.
    const answers = [true, true, false];
    const lease: Lease = { holder: 'midway', kind: 'clickhouse', ensure: async () => answers.shift() ?? false, release: async () => {} };
    const only = (r: { rule_id: string }) => r.rule_id.startsWith(`alr_${project}_`);
    const scoped: Store = { ...store, listAlertRules: async (p) => (await store.listAlertRules(p)).filter(only) };
    const evaluator = new AlertEvaluator({
      store: scoped, lease, box, config: () => parseConfig({ alerts: { allow_private_targets: true } }, {}), publicUrl: () => 'http://ui.test',
      log: { info: () => {}, warn: () => {} }, leaseRecheckMs: 0,
    });
    await evaluator.tick();
    expect(evaluator.leading).toBe(false);
    await evaluator.stop();
    const hooks = await hook.waitFor((r) => r.path === `/hooks/${project}`);
    await sleep(300);
    expect(hook.received.filter((r) => r.path === `/hooks/${project}`).map((r) => r.body.rule)).toEqual(['a first rule']);
    expect(hooks).toHaveLength(1);
  });
});

describe('Redis lease across processes', () => {
  let redis: RedisServer;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await redis?.stop();
  });

  it('lets one process lead; after it is killed another leads once the TTL ran out, never both', async () => {
    const ttl = 1500;
    const root = resolve(import.meta.dirname, '../../../..');
    const loader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
    const logs = new Map<string, Array<[string, number]>>();
    for (const holder of ['p1', 'p2']) {
      const child = spawn(process.execPath, ['--import', loader, join(root, 'control-plane/src/testing/redis-lease-worker.ts'), redis.url, 'evaluator', holder, String(ttl)], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      const lines: Array<[string, number]> = [];
      logs.set(holder, lines);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        for (const line of d.trim().split('\n')) lines.push(line.split(' ').map((x, i) => (i ? Number(x) : x)) as [string, number]);
      });
    }
    const leads = (h: string) => logs.get(h)!.filter(([s]) => s === 'lead').map(([, t]) => t);
    while (leads('p1').length + leads('p2').length < 10) await sleep(100);
    await sleep(1000);
    const leader = leads('p1').length > 0 ? 'p1' : 'p2';
    const other = leader === 'p1' ? 'p2' : 'p1';
    expect(leads(other)).toEqual([]);
    expect(logs.get(other)!.length).toBeGreaterThan(5);

    const victim = children[leader === 'p1' ? 0 : 1]!;
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    const lastRenewal = Math.max(...leads(leader));
    while (leads(other).length === 0) await sleep(50);
    const takeover = leads(other)[0]!;
    expect(takeover - lastRenewal).toBeGreaterThanOrEqual(ttl - 150);
    expect(takeover - lastRenewal).toBeLessThan(ttl + 1500);
  }, 60_000);
});
