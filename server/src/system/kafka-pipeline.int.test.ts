import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { parseConfig } from '@periscope/proxy';
import { RESENT_HEADER, type PeriscopeConfig } from '@periscope/contract';
import { startKafkaBroker, startMockUpstream, suitePriorityEnv, type KafkaBroker, type MockUpstream } from '@periscope/testkit';
import { Registry } from 'prom-client';
import { CompressionTypes, ConfigResourceTypes } from 'kafkajs';
import { createKafka } from '@periscope/spool/kafka';
import { makeEvent, openChdbDriver, rollupCounts, withoutView, type Driver } from '@periscope/clickhouse/testing';
import type { InsertOptions, Store } from '@periscope/clickhouse';
import type { RequestEvent } from '@periscope/contract';
import { startIngestRole, type IngestRole } from '../roles/ingest-role.ts';
import { EventConsumer, createIngestMetrics, type IngestMetrics } from '@periscope/ingest';
import { startProxyRole, type ProxyRole } from '../roles/proxy-role.ts';

const env = { PERISCOPE_SECRET: 'pipeline-test-secret', PERISCOPE_ADMIN_TOKEN: 'pipeline-admin' };
const admin = { authorization: `Bearer ${env.PERISCOPE_ADMIN_TOKEN}` };

let broker: KafkaBroker;
let mock: MockUpstream;
let ingest: IngestRole;
let ingestUrl: string;
let dir: string;
const proxies: ProxyRole[] = [];

function configFor(topic: string, spool: Partial<PeriscopeConfig['logging']['spool']> = {}, maxStoredBodyBytes?: number): PeriscopeConfig {
  return parseConfig({
    providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-test-abcdefghijklmnopqrst' } },
    kafka: { brokers: [broker.brokers], topic, partitions: 3, session_timeout_ms: 6000 },
    logging: { spool: { fsync_interval_ms: 50, ...spool }, max_stored_body_bytes: maxStoredBodyBytes },
    // The tests poll with a key the proxy does not know yet: those 401s must not trip the guard.
    gateway: { max_auth_failures_per_minute: 10_000 },
  }, suitePriorityEnv());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-pipeline-'));
  broker = await startKafkaBroker({ dir: join(dir, 'kafka') });
  mock = await startMockUpstream({ record: false });
  ingest = await startIngestRole({ config: configFor('periscope.events'), location: { dataDir: join(dir, 'ingest') }, env, logger: false });
  ingestUrl = await ingest.app.listen({ port: 0, host: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  // Together: each proxy's shipper may take its drain time (5 s) and grace (10 s) to stop on a busy machine.
  await Promise.all(proxies.map((p) => p.app.close().catch(() => undefined)));
  await ingest?.app.close();
  // The engine's background merges run while any session of it is open: rm would race them (ENOTEMPTY).
  await driver?.close();
  await mock?.close();
  await broker?.kill(); // its data is thrown away: no controlled shutdown (up to 30 s on a busy machine)
  if (dir) await rm(dir, { recursive: true, force: true });
}, 180_000);

async function newKey(project: string): Promise<string> {
  const res = await fetch(`${ingestUrl}/api/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ project }) });
  return ((await res.json()) as { key: string }).key;
}

async function startProxy(config: PeriscopeConfig, name: string) {
  const role = await startProxyRole({ config, dataDir: join(dir, name), controlUrl: ingestUrl, env, logger: false });
  proxies.push(role);
  return { role, url: await role.app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** The project's stored request ids of the last 60 days. */
async function storedIds(project: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '';
  const from = Date.now() - 60 * 86_400_000;
  for (;;) {
    const res = await fetch(`${ingestUrl}/api/requests?project=${project}&from=${from}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: admin });
    const page = (await res.json()) as { data: { request_id: string }[]; next_cursor: string | null };
    ids.push(...page.data.map((r) => r.request_id));
    if (!page.next_cursor) return ids;
    cursor = encodeURIComponent(page.next_cursor);
  }
}

/**
 * The store as a process sees it when it dies inside an insert, the first for which `diesIn`
 * holds: `enginePart` does what the engine got done before the kill, and that insert and every
 * one after it fail. Inserts before it go in.
 */
function dyingStore(enginePart: (store: Store, rows: readonly Buffer[], opts: InsertOptions | undefined) => Promise<void>, diesIn: (rows: readonly Buffer[]) => boolean = () => true) {
  let died = false;
  const store = new Proxy(ingest.store, {
    get(target, prop, receiver) {
      if (prop !== 'insertRequestRows') return Reflect.get(target, prop, receiver);
      return async (rows: readonly Buffer[], opts?: InsertOptions) => {
        if (!died && !diesIn(rows)) return target.insertRequestRows(rows, opts);
        if (!died) {
          died = true;
          await enginePart(target, rows, opts);
        }
        throw new Error('the process died');
      };
    },
  });
  return { store, died: () => died };
}

let driver: Driver | undefined;
/** A second connection to the ingest's embedded engine, for what the store's API does not do. */
async function engine(): Promise<Driver> {
  driver ??= await openChdbDriver(join(dir, 'ingest'));
  return driver;
}

async function produce(kafka: ReturnType<typeof createKafka>, topic: string, events: RequestEvent[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: events.map(toMessage) });
  await producer.disconnect();
}

async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Calls until the proxy's key snapshot has the new key; returns the ids of the calls it logged. */
async function untilKeyKnown(url: string, key: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}/v1/models`, { headers: { 'periscope-auth': `Bearer ${key}` } });
    if (res.status === 200) return [res.headers.get('periscope-request-id')!];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the proxy never saw the new key');
}

/** Fires `total` calls with bounded concurrency; `at(i)` runs before call i (for fault injection). */
async function drive(url: string, key: string, total: number, at: (i: number) => Promise<void> = async () => {}) {
  const agent = new Agent({ connections: 32 });
  const ids: string[] = [];
  let next = 0;
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  async function worker() {
    while (next < total) {
      const i = next++;
      await at(i);
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST', dispatcher: agent, body,
        headers: { 'periscope-auth': `Bearer ${key}`, 'content-type': 'application/json' },
      });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      ids.push(String(res.headers['periscope-request-id']));
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  await agent.close();
  return ids;
}

describe('proxy → Kafka → ingest → ClickHouse', () => {
  it('loses nothing when the broker is SIGKILLed at 30% and restarted at 60% of 5,000 calls', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const key = await newKey(project);
    const { role, url } = await startProxy(configFor('periscope.events'), 'proxy-a');
    const probes = await untilKeyKnown(url, key);
    const total = 5000;
    let killed: Promise<void> | undefined;
    let restarted: Promise<void> | undefined;
    const sent = await drive(url, key, total, async (i) => {
      if (i === Math.floor(total * 0.3)) killed = broker.kill();
      if (i === Math.floor(total * 0.6)) restarted = (async () => { await killed; await broker.restart(); })();
    });
    await restarted;
    const expected = new Set([...probes, ...sent]);
    await expect.poll(async () => (await storedIds(project)).length, { timeout: 90_000, interval: 500 }).toBeGreaterThanOrEqual(expected.size);
    const stored = await storedIds(project);
    expect(stored.length).toBe(new Set(stored).size); // each request exactly once
    expect(new Set(stored)).toEqual(expected);
    await expect.poll(() => metric(url, 'periscope_spool_backlog_bytes'), { timeout: 10_000 }).toBe(0);
    expect(await metric(url, 'periscope_events_emitted_total')).toBe(expected.size);
    console.log(`broker kill test: ${total} calls, every event through the spool, all ${stored.length} stored once`);
    await role.app.close();
  }, 180_000);

  it('with the spool capped and the broker down: stays up, bounded, and stored + dropped == sent exactly', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const key = await newKey(project);
    const config = configFor('periscope.events', { max_bytes: 256 * 1024 });
    const { role, url } = await startProxy(config, 'proxy-capped');
    const probes = await untilKeyKnown(url, key);
    await broker.stop();
    const sent = await drive(url, key, 1500);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await metric(url, 'periscope_spool_bytes')).toBeLessThanOrEqual(256 * 1024);
    const dropped = () => metric(url, 'periscope_events_dropped_total', '{reason="spool_full"}');
    expect(await dropped()).toBeGreaterThan(0);
    await broker.restart();
    const total = probes.length + sent.length;
    await expect.poll(async () => (await storedIds(project)).length + (await dropped()), { timeout: 90_000, interval: 500 }).toBe(total);
    await expect.poll(() => metric(url, 'periscope_spool_backlog_bytes'), { timeout: 30_000 }).toBe(0);
    const stored = await storedIds(project);
    expect(new Set(stored).size).toBe(stored.length);
    console.log(`spool cap test: sent ${total}, stored ${stored.length}, dropped ${await dropped()} (counted)`);
    await role.app.close();
  }, 180_000);

  it('keeps the row of a call whose event is larger than the broker accepts: sent again with its bodies clipped (message.max.bytes)', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const key = await newKey(project);
    const kafka = createKafka([broker.brokers], 'topic-config-test', quietLog);
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const limitTo = (bytes: number) => kafkaAdmin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'periscope.events', configEntries: [{ name: 'max.message.bytes', value: String(bytes) }] }],
    });
    await limitTo(200_000);
    try {
      const { role, url } = await startProxy(configFor('periscope.events', {}, 1024 * 1024), 'proxy-big-event');
      await untilKeyKnown(url, key);
      // 800 KB that gzip cannot make smaller than the topic's limit; its first 64 KB fit.
      const prompt = randomBytes(600_000).toString('base64');
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),
        headers: { 'periscope-auth': `Bearer ${key}`, 'content-type': 'application/json' },
      });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      const id = String(res.headers['periscope-request-id']);
      await expect.poll(async () => (await storedIds(project)).includes(id), { timeout: 60_000, interval: 500 }).toBe(true);
      const row = (await (await fetch(`${ingestUrl}/api/requests/${id}?project=${project}`, { headers: admin })).json()) as { request_body: string; request_truncated: boolean; prompt_tokens: number };
      expect([Buffer.byteLength(row.request_body), row.request_truncated, row.prompt_tokens > 0]).toEqual([64 * 1024, true, true]);
      expect(row.request_body.includes(prompt.slice(0, 1000))).toBe(true);
      expect(await metric(url, 'periscope_kafka_events_shrunk_total')).toBe(1);
      expect(await metric(url, 'periscope_events_dropped_total', '{reason="too_large_for_kafka"}')).toBe(0);
      await role.app.close();
    } finally {
      await limitTo(1_048_588);
      await kafkaAdmin.disconnect();
    }
  }, 120_000);

  it('dead-letters 1% poison messages with a reason and keeps every partition moving', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const kafka = createKafka([broker.brokers], 'poison-test', quietLog);
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 1000 }, (_, i) => {
      if (i % 100 === 7) return { key: `poison-${i}`, value: i % 200 === 7 ? '{not json' : JSON.stringify({ ...makeEvent({ project_id: project }), status: -1 }) };
      const e = makeEvent({ project_id: project });
      return { key: e.request_id, value: JSON.stringify(e) };
    });
    await producer.send({ topic: 'periscope.events', acks: -1, messages });
    await producer.disconnect();
    await expect.poll(async () => (await storedIds(project)).length, { timeout: 60_000, interval: 500 }).toBe(990);

    const dlq = await readTopic(kafka, 'periscope.events.dlq', (m) => m.key?.toString().startsWith('poison-') ?? false, 10);
    expect(dlq).toHaveLength(10);
    for (const m of dlq) {
      expect(m.headers['periscope-dlq-reason']).toMatch(/not JSON|status must be/);
      expect(m.headers['periscope-dlq-source']).toMatch(/^periscope\.events\/\d+\/\d+$/);
    }
  }, 120_000);

  it('stores an event once when its stalled original arrives after its marked resend, in the same batch or a later one', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const kafka = createKafka([broker.brokers], 'stalled-send-test', quietLog);
    const producer = kafka.producer();
    await producer.connect();
    const send = (events: RequestEvent[], marked: boolean) => producer.send({
      topic: 'periscope.events', acks: -1, messages: events.map((e) => ({ ...toMessage(e), headers: marked ? { [RESENT_HEADER]: '1' } : {} })),
    });
    const requests = async () => ((await (await fetch(`${ingestUrl}/api/metrics/summary?project=${project}`, { headers: admin })).json()) as { current: { requests: number } }).current.requests;
    const later = Array.from({ length: 40 }, () => makeEvent({ project_id: project }));
    const together = Array.from({ length: 40 }, () => makeEvent({ project_id: project }));
    // The marked copies of both sets are stored first.
    await send(later, true);
    await expect.poll(requests, { timeout: 30_000, interval: 250 }).toBe(40);
    // Then the originals of `later`, unmarked, as a send that stalled; and `together`, marked then unmarked in one send.
    await send(later, false);
    await producer.send({
      topic: 'periscope.events', acks: -1,
      messages: [...together.map((e) => ({ ...toMessage(e), headers: { [RESENT_HEADER]: '1' } })), ...together.map(toMessage)],
    });
    const last = Array.from({ length: 10 }, () => makeEvent({ project_id: project }));
    await send(last, false);
    await producer.disconnect();
    // The rollups count what was inserted: a second copy stored would show here.
    await expect.poll(async () => new Set(await storedIds(project)).size, { timeout: 30_000, interval: 250 }).toBe(90);
    expect(await requests()).toBe(90);
  }, 120_000);

  /** A topic of one partition read by members of a group of its own, and a project whose calls the test counts. */
  function resentScene(name: string, memberOptions: Partial<ConstructorParameters<typeof EventConsumer>[0]> = {}) {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const topic = `${name}-${randomUUID().slice(0, 8)}`;
    const groupId = `${name}-${randomUUID()}`;
    const kafka = createKafka([broker.brokers], `${name}-test`, quietLog);
    const member = () => new EventConsumer({
      kafka, topic, deadLetterTopic: `${topic}.dlq`, groupId, partitions: 1, sessionTimeoutMs: 6000,
      store: ingest.store, registry: new Registry(), metrics: createIngestMetrics(new Registry()), log: quietLog as never, ...memberOptions,
    });
    const producer = kafka.producer();
    const send = (events: RequestEvent[], marked: boolean) => producer.send({
      topic, acks: -1, messages: events.map((e) => ({ ...toMessage(e), headers: marked ? { [RESENT_HEADER]: '1' } : {} })),
    });
    const requests = async () => ((await (await fetch(`${ingestUrl}/api/metrics/summary?project=${project}`, { headers: admin })).json()) as { current: { requests: number } }).current.requests;
    const calls = (n: number) => Array.from({ length: n }, () => makeEvent({ project_id: project }));
    return { project, member, producer, send, requests, calls };
  }

  it('stores an event once when its stalled original reaches a member whose memory of the marked copy ran out while it held the partition (loaded again from the store)', async () => {
    const { project, member, producer, send, requests, calls } = resentScene('resent-forgotten', { resentMemoryMs: 1500 });
    await producer.connect();
    const only = member();
    only.start();
    try {
      const resent = calls(40);
      await send(resent, true);
      await expect.poll(requests, { timeout: 60_000, interval: 250 }).toBe(40);
      // Past twice the memory, the member has forgotten the ids (as after a batch held back
      // longer than that); its next batch continues its own, so only the memory can tell.
      await new Promise((r) => setTimeout(r, 3500));
      await send(resent, false);
      await send(calls(10), false);
      await expect.poll(async () => new Set(await storedIds(project)).size, { timeout: 30_000, interval: 250 }).toBe(50);
      expect(await requests()).toBe(50);
    } finally {
      await only.stop();
      await producer.disconnect();
    }
  }, 120_000);

  it('stores an event once when its stalled original reaches a member that joined after its marked resend was stored (a restart or a rebalance between)', async () => {
    const { project, member, producer, send, requests, calls } = resentScene('resent-restart');
    await producer.connect();
    const resent = calls(40);
    const first = member();
    first.start();
    try {
      await send(resent, true);
      await expect.poll(requests, { timeout: 60_000, interval: 250 }).toBe(40);
    } finally {
      await first.stop();
    }
    // A new member (the same process restarted, or another one the partition moved to): its
    // first batch is checked against the table anyway, so the originals come in a later one.
    const second = member();
    second.start();
    try {
      await send(calls(10), false);
      await expect.poll(requests, { timeout: 60_000, interval: 250 }).toBe(50);
      await send(resent, false);
      await send(calls(10), false);
      await expect.poll(async () => new Set(await storedIds(project)).size, { timeout: 30_000, interval: 250 }).toBe(60);
      // The rollups count what was inserted: the originals stored again would show here (100).
      expect(await requests()).toBe(60);
    } finally {
      await second.stop();
      await producer.disconnect();
    }
  }, 180_000);

  it('dead-letters only the rows the engine itself refuses, and stores the rest of their batches, one month per insert', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const topic = `refused-${randomUUID().slice(0, 8)}`;
    const kafka = createKafka([broker.brokers], 'refused-test', quietLog);
    // Every third event 40 days old: the batches fall in two months, and so do the isolations
    // (canaries in both).
    const events = Array.from({ length: 1000 }, (_, i) => makeEvent({ project_id: project, status: 200, ...(i % 3 === 0 && { created_at: Date.now() - 40 * 86_400_000 }) }));
    const monthsPerInsert = new Set<number>();
    // Rows that pass the contract check and that chDB refuses: the store's own bytes are changed
    // on their way in, a string where the status number goes.
    const canaries = new Set(events.filter((_, i) => i % 150 === 11 || i % 150 === 12).map((e) => e.request_id));
    const corrupting = new Proxy(ingest.store, {
      get(target, prop, receiver) {
        if (prop !== 'insertRequestRows') return Reflect.get(target, prop, receiver);
        return (rows: Buffer[], opts?: Parameters<typeof target.insertRequestRows>[1]) => {
          monthsPerInsert.add(new Set(rows.map((row) => new Date((JSON.parse(row.toString()) as { created_at: number }).created_at).getUTCMonth())).size);
          return target.insertRequestRows(rows.map((row) => {
          const text = row.toString();
            return [...canaries].some((id) => text.includes(id)) ? Buffer.from(text.replace('"status":200', '"status":"two hundred"')) : row;
          }), opts);
        };
      },
    });
    const metrics = createIngestMetrics(new Registry());
    const consumer = new EventConsumer({
      kafka, topic, deadLetterTopic: `${topic}.dlq`, groupId: `refused-${randomUUID()}`, partitions: 3, sessionTimeoutMs: 6000,
      store: corrupting, registry: new Registry(), metrics, log: quietLog as never,
    });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < events.length; i += 250) await producer.send({ topic, acks: -1, messages: events.slice(i, i + 250).map(toMessage) });
    await producer.disconnect();
    consumer.start();
    await expect.poll(async () => (await storedIds(project)).length, { timeout: 60_000, interval: 500 }).toBe(1000 - canaries.size);
    const stored = new Set(await storedIds(project));
    expect([...canaries].filter((id) => stored.has(id))).toEqual([]);

    const dlq = await readTopic(kafka, `${topic}.dlq`, () => true, canaries.size);
    expect(dlq.map((m) => m.key?.toString()).sort()).toEqual([...canaries].sort());
    for (const m of dlq) expect(m.headers['periscope-dlq-reason']).toMatch(/^rejected by the store: the engine refused the rows: Code: \d+/);
    expect((await metrics.inserted.get()).values[0]?.value).toBe(1000 - canaries.size);
    expect([...monthsPerInsert]).toEqual([1]);
    await consumer.stop();
  }, 120_000);

  describe('an ingest killed inside an insert, then started again (the in-flight journal)', () => {
    const cases: [string, (store: Store, rows: readonly Buffer[], opts: InsertOptions | undefined, project: string) => Promise<void>, string][] = [
      // The engine commits the table's part, then the per-minute rollup's (the hourly one is fed
      // from it): the kill comes between them, as a view away for that insert stands in for.
      ['after the table took the rows and before the rollups did: the rollups are filled in once', async (store, rows, opts) => {
        await withoutView(await engine(), 'requests_rollup_1m_mv', () => store.insertRequestRows(rows, opts));
      }, 'stored'],
      // The engine records the token, then moves the part in: the kill comes between them (one
      // row of another project under the token stands in for the token alone). The views, after
      // the table, never saw the token: the same token again would feed them rows the table skips.
      ['after the engine took the token and before the part was in: the redelivered batch stores the rows, counted once', async (store, rows, opts, project) => {
        const { created_at } = JSON.parse(rows[0]!.toString()) as { created_at: number };
        await withoutView(await engine(), 'requests_rollup_1m_mv', () => store.insertRequestRows([Buffer.from(JSON.stringify(makeEvent({ project_id: `other-${project}`, created_at })))], opts));
      }, 'unstored'],
      ['after the insert completed: nothing is stored or counted again', async (store, rows, opts) => {
        await store.insertRequestRows(rows, opts);
      }, 'stored'],
    ];
    /**
     * Produces `events`, runs a journaled consumer whose store dies inside an insert (dyingStore),
     * puts back the journal as the kill left it, and starts a second consumer on it.
     */
    async function killedThenStarted(events: RequestEvent[], dying: ReturnType<typeof dyingStore>, inflightDir: string) {
      const topic = `unfinished-${randomUUID().slice(0, 8)}`;
      const groupId = `unfinished-${randomUUID()}`;
      const saved = `${inflightDir}-saved`;
      const kafka = createKafka([broker.brokers], 'unfinished-test', quietLog);
      await produce(kafka, topic, events);
      const { consumer: first } = journaled({ kafka, topic, groupId, inflightDir }, dying.store);
      await expect.poll(dying.died, { timeout: 60_000, interval: 100 }).toBe(true);
      await first.stop();
      await rm(inflightDir, { recursive: true, force: true });
      await cp(saved, inflightDir, { recursive: true });
      expect(await readdir(inflightDir)).toHaveLength(1);
      return journaled({ kafka, topic, groupId, inflightDir }, ingest.store);
    }

    /** What the killed process left on disk is what it had done and its journal. */
    const withJournalSaved = (inflightDir: string, enginePart: (store: Store, rows: readonly Buffer[], opts: InsertOptions | undefined) => Promise<void>) => async (store: Store, rows: readonly Buffer[], opts: InsertOptions | undefined) => {
      await enginePart(store, rows, opts);
      await cp(inflightDir, `${inflightDir}-saved`, { recursive: true });
    };

    it.each(cases)('%s', async (_, enginePart, outcome) => {
      const project = `p-${randomUUID().slice(0, 8)}`;
      const inflightDir = join(dir, `inflight-${project}`);
      const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
      const dying = dyingStore(withJournalSaved(inflightDir, (store, rows, opts) => enginePart(store, rows, opts, project)));
      const { consumer: second, metrics } = await killedThenStarted(events, dying, inflightDir);
      try {
        // The redelivered batch comes after the journal: it leaves out what is stored.
        await expect.poll(() => handled(metrics), { timeout: 60_000, interval: 250 }).toBe(events.length);
        expect(await rollupCounts(await engine(), project)).toEqual({ rows: 300, minute: 300, hour: 300 });
        expect((await metrics.unfinishedInserts.get()).values).toEqual([expect.objectContaining({ labels: { outcome }, value: 1 })]);
        expect((await metrics.inserted.get()).values[0]?.value ?? 0).toBe(outcome === 'unstored' ? 300 : 0);
        expect(await readdir(inflightDir)).toEqual([]);
      } finally {
        await second.stop();
      }
    }, 120_000);

    // One insert into two months makes a part in each: a kill after November's part and before
    // December's (its token taken) could not be told apart from a stored insert, and the
    // journal's replay counted December twice in the rollups. One insert per month (months.ts).
    // The stand-in cannot make the engine's state between two parts of one insert, so this test
    // proves that no insert holds two months, and that a kill between the months' inserts is
    // finished exactly (November stored, December's entry left to the redelivered batch).
    it('a batch whose rows fall in two months goes in one insert per month; a kill inside December\'s is finished exactly', async () => {
      const project = `p-${randomUUID().slice(0, 8)}`;
      const inflightDir = join(dir, `inflight-${project}`);
      const at = (m: number, d: number) => Date.UTC(2026, m, d, 23, 59, 0);
      const events = [
        ...Array.from({ length: 150 }, (_, i) => makeEvent({ project_id: project, created_at: at(10, 30) + i })),
        ...Array.from({ length: 150 }, (_, i) => makeEvent({ project_id: project, created_at: at(11, 1) + i })),
      ];
      const monthsOf = (rows: readonly Buffer[]) => new Set(rows.map((row) => new Date((JSON.parse(row.toString()) as { created_at: number }).created_at).getUTCMonth()));
      const monthsPerInsert: number[] = [];
      const dying = dyingStore(withJournalSaved(inflightDir, async (store, rows, opts) => {
        // The engine takes the token, and the kill comes before the part (a row of another
        // project under the token stands in for the token alone; the views never saw it).
        const { created_at } = JSON.parse(rows[0]!.toString()) as { created_at: number };
        await withoutView(await engine(), 'requests_rollup_1m_mv', () => store.insertRequestRows([Buffer.from(JSON.stringify(makeEvent({ project_id: `other-${project}`, created_at })))], opts));
      }), (rows) => {
        monthsPerInsert.push(monthsOf(rows).size);
        return monthsOf(rows).has(11);
      });
      const { consumer: second, metrics } = await killedThenStarted(events, dying, inflightDir);
      try {
        await expect.poll(() => handled(metrics), { timeout: 60_000, interval: 250 }).toBe(events.length);
        expect(monthsPerInsert).toEqual([1, 1]);
        expect(await rollupCounts(await engine(), project)).toEqual({ rows: 300, minute: 300, hour: 300 });
        expect((await metrics.unfinishedInserts.get()).values).toEqual([expect.objectContaining({ labels: { outcome: 'unstored' }, value: 1 })]);
        expect((await metrics.deduplicated.get()).values[0]?.value).toBe(150);
      } finally {
        await second.stop();
      }
    }, 120_000);
  });

  describe('an in-flight journal the ingest cannot use does not stop it', () => {
    const cases: [string, (inflightDir: string) => Promise<void>, string][] = [
      // Left by a kill while the disk failed, or by hand: read at the start, before consuming.
      ['an unreadable entry left at the start is removed and counted, and consuming goes on', async (inflightDir) => {
        await writeFile(join(inflightDir, 'left-0.rows'), '{"v":1,"token":"t","rows":2}\nonly one row\n');
      }, 'damaged'],
      // A full disk, a directory gone: each insert goes in without its entry.
      ['entries that cannot be written: every insert goes in without its entry, counted', async (inflightDir) => {
        await rm(inflightDir, { recursive: true });
        await writeFile(inflightDir, 'not a directory');
      }, 'not_kept'],
    ];
    it.each(cases)('%s', async (_, spoil, outcome) => {
      const project = `p-${randomUUID().slice(0, 8)}`;
      const topic = `unusable-${randomUUID().slice(0, 8)}`;
      const inflightDir = join(dir, `inflight-${project}`);
      await mkdir(inflightDir);
      await spoil(inflightDir);
      const kafka = createKafka([broker.brokers], 'unusable-journal-test', quietLog);
      const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
      await produce(kafka, topic, events);
      const { consumer, metrics } = journaled({ kafka, topic, groupId: `unusable-${randomUUID()}`, inflightDir }, ingest.store);
      try {
        await expect.poll(() => handled(metrics), { timeout: 60_000, interval: 250 }).toBe(events.length);
        expect(await rollupCounts(await engine(), project)).toEqual({ rows: 300, minute: 300, hour: 300 });
        const counted = (await metrics.unfinishedInserts.get()).values;
        expect(counted.map((v) => v.labels.outcome)).toEqual([outcome]);
        expect(counted[0]!.value).toBeGreaterThanOrEqual(1);
        if (outcome === 'damaged') expect(await readdir(inflightDir)).toEqual([]);
      } finally {
        await consumer.stop();
      }
    }, 120_000);
  });

  it('two consumers in one group, one restarted repeatedly under load: nothing lost, nothing shown twice', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const kafka = createKafka([broker.brokers], 'rebalance-test', quietLog);
    const producer = kafka.producer();
    await producer.connect();
    const events = Array.from({ length: 6000 }, () => makeEvent({ project_id: project }));
    const second = () => new EventConsumer({
      kafka, topic: 'periscope.events', deadLetterTopic: 'periscope.events.dlq', groupId: 'periscope-ingest', sessionTimeoutMs: 6000,
      store: ingest.store, registry: new Registry(), metrics: createIngestMetrics(new Registry()), log: quietLog as never,
    });
    let flapping = true;
    // At most 30 s of flapping: on a loaded machine a rejoin can take longer than the 1.5 s
    // between restarts, and a group that never settles stores nothing (one run: 5,620 of 6,000
    // after 90 s); the rest must then arrive once it settles.
    const flapUntil = Date.now() + 30_000;
    const flapper = (async () => {
      while (flapping && Date.now() < flapUntil) {
        const c = second();
        c.start();
        await new Promise((r) => setTimeout(r, 1500));
        await c.stop();
      }
    })();
    for (let i = 0; i < events.length; i += 500) {
      await producer.send({ topic: 'periscope.events', acks: -1, messages: events.slice(i, i + 500).map(toMessage) });
      await new Promise((r) => setTimeout(r, 300));
    }
    await producer.disconnect();
    await expect.poll(async () => (await storedIds(project)).length, { timeout: 90_000, interval: 500 }).toBe(events.length);
    flapping = false;
    await flapper;
    const stored = await storedIds(project);
    expect(new Set(stored)).toEqual(new Set(events.map((e) => e.request_id)));
    // The rollups count what was inserted (the log view collapses repeats, they do not).
    const summary = await fetch(`${ingestUrl}/api/metrics/summary?project=${project}`, { headers: admin });
    expect(((await summary.json()) as { current: { requests: number } }).current.requests).toBe(events.length);
  }, 180_000);

  it('proxies see new and revoked keys within 2 s, and start from the cached snapshot when the control plane is down', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const { role, url } = await startProxy(configFor('periscope.events'), 'proxy-keys');
    const key = await newKey(project);
    const t0 = Date.now();
    await untilKeyKnown(url, key);
    expect(Date.now() - t0).toBeLessThan(2000);

    const keys = (await (await fetch(`${ingestUrl}/api/keys?project=${project}`, { headers: admin })).json()) as { data: { key_id: string }[] };
    await fetch(`${ingestUrl}/api/keys/${keys.data[0]!.key_id}`, { method: 'DELETE', headers: admin });
    const t1 = Date.now();
    await expect.poll(async () => (await fetch(`${url}/v1/models`, { headers: { 'periscope-auth': `Bearer ${key}` } })).status, { timeout: 2000, interval: 50 }).toBe(401);
    console.log(`revocation seen by the proxy after ${Date.now() - t1} ms`);

    // Restarted on the same data dir (one gateway per spool), control plane unreachable: the
    // last good snapshot still authenticates.
    const other = await newKey(project);
    await untilKeyKnown(url, other);
    await role.app.close();
    const offline = await startProxyRole({
      config: configFor('periscope.events'), dataDir: join(dir, 'proxy-keys'), controlUrl: 'http://127.0.0.1:9', env, logger: false,
    });
    proxies.push(offline);
    const offlineUrl = await offline.app.listen({ port: 0, host: '127.0.0.1' });
    expect((await fetch(`${offlineUrl}/v1/models`, { headers: { 'periscope-auth': `Bearer ${other}` } })).status).toBe(200);
    expect((await fetch(`${offlineUrl}/v1/models`, { headers: { 'periscope-auth': `Bearer ${key}` } })).status).toBe(401);
  }, 60_000);

  it('holds the partition while ClickHouse is down (nothing dead-lettered) and catches up by itself', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const topic = `outage-${randomUUID().slice(0, 8)}`;
    const kafka = createKafka([broker.brokers], 'outage-test', quietLog);
    const outage = { down: true, failures: 0 };
    const flakyStore = new Proxy(ingest.store, {
      get(target, prop, receiver) {
        if (prop !== 'insertRequestRows') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof target.insertRequestRows>) => {
          if (outage.down) {
            outage.failures++;
            throw new Error('ClickHouse is down');
          }
          return target.insertRequestRows(...args);
        };
      },
    });
    const metrics = createIngestMetrics(new Registry());
    const consumer = new EventConsumer({
      kafka, topic, deadLetterTopic: `${topic}.dlq`, groupId: `outage-${randomUUID()}`, sessionTimeoutMs: 6000,
      store: flakyStore, registry: new Registry(), metrics, log: quietLog as never,
    });
    const producer = kafka.producer();
    await producer.connect();
    const events = Array.from({ length: 500 }, () => makeEvent({ project_id: project }));
    await producer.send({ topic, acks: -1, messages: events.map(toMessage) });
    consumer.start();
    await expect.poll(() => outage.failures, { timeout: 20_000 }).toBeGreaterThan(3);
    expect(await storedIds(project)).toHaveLength(0);
    outage.down = false;
    await expect.poll(async () => (await storedIds(project)).length, { timeout: 30_000, interval: 250 }).toBe(500);
    expect((await metrics.deadLettered.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
    await producer.disconnect();
    await consumer.stop();
  }, 90_000);

  it('measures Kafka → chDB ingest throughput', async () => {
    const project = `p-${randomUUID().slice(0, 8)}`;
    const topic = `throughput-${randomUUID().slice(0, 8)}`;
    const kafka = createKafka([broker.brokers], 'throughput-test', quietLog);
    const producer = kafka.producer();
    await producer.connect();
    const n = 50_000;
    const t0 = Date.now();
    for (let i = 0; i < n; i += 1000) {
      const batch = Array.from({ length: 1000 }, () => makeEvent({ project_id: project }));
      await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: batch.map(toMessage) });
    }
    const producedS = (Date.now() - t0) / 1000;
    await producer.disconnect();
    // A fresh consumer group drains the backlog: the ingest side's own rate, producer excluded.
    const metrics = createIngestMetrics(new Registry());
    const consumer = new EventConsumer({
      kafka, topic, deadLetterTopic: `${topic}.dlq`, groupId: `throughput-${randomUUID()}`,
      store: ingest.store, registry: new Registry(), metrics, log: quietLog as never,
    });
    const t1 = Date.now();
    consumer.start();
    await expect.poll(async () => (await metrics.inserted.get()).values[0]?.value ?? 0, { timeout: 150_000, interval: 50 }).toBe(n);
    const consumedS = (Date.now() - t1) / 1000;
    await consumer.stop();
    console.log(`Kafka → chDB ingest: ${n} events (~1 KB each) in ${consumedS.toFixed(2)} s = ${Math.round(n / consumedS)} events/s `
      + `(group join included); producing them took ${producedS.toFixed(2)} s = ${Math.round(n / producedS)} events/s`);
  }, 200_000);
});

const quietLog = { error() {}, warn() {}, info() {}, debug() {}, fatal() {}, trace() {}, child() { return quietLog; }, level: 'silent', silent() {} };

const toMessage = (e: RequestEvent) => ({ key: e.request_id, value: JSON.stringify(e) });

async function readTopic(kafka: ReturnType<typeof createKafka>, topic: string, keep: (m: { key: Buffer | null }) => boolean, want: number) {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: { key: Buffer | null; headers: Record<string, string> }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!keep(message)) return;
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      got.push({ key: message.key, headers });
    },
  });
  const deadline = Date.now() + 30_000;
  while (got.length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return got;
}

/** A started consumer of one partition keeping its inserts in flight in `inflightDir`, and its metrics. */
function journaled(o: { kafka: ReturnType<typeof createKafka>; topic: string; groupId: string; inflightDir: string }, store: Store): { consumer: EventConsumer; metrics: IngestMetrics } {
  const registry = new Registry();
  const metrics = createIngestMetrics(registry);
  const consumer = new EventConsumer({
    kafka: o.kafka, topic: o.topic, deadLetterTopic: `${o.topic}.dlq`, groupId: o.groupId, partitions: 1, sessionTimeoutMs: 6000, inflightDir: o.inflightDir,
    store, registry, metrics, log: quietLog as never,
  });
  consumer.start();
  return { consumer, metrics };
}

/** Events the consumer stored or found already stored. */
async function handled(metrics: IngestMetrics): Promise<number> {
  return ((await metrics.deduplicated.get()).values[0]?.value ?? 0) + ((await metrics.inserted.get()).values[0]?.value ?? 0);
}
