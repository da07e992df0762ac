import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createKafka } from '@periscope/spool/kafka';
import { encodeRequestEvent } from '@periscope/contract';
import { makeEvent } from '@periscope/clickhouse/testing';
import { startKafkaBroker, threadsNotIdle, type KafkaBroker } from '@periscope/testkit';
import { PERISCOPE_CLI } from '../testing/cli-command.ts';

const ADMIN = 'outage-admin';
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

let dir: string;
let broker: KafkaBroker;
let ingest: ChildProcess;
let url: string;
let output = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-outage-'));
  broker = await startKafkaBroker({ dir: join(dir, 'kafka') });
  // Down before the ingest starts: it must wait for the broker, not exit.
  await broker.stop();
  await writeFile(join(dir, 'periscope.yaml'), JSON.stringify({ kafka: { brokers: [broker.brokers], partitions: 2, session_timeout_ms: 6000 } }));
  ingest = spawn(process.execPath, [...PERISCOPE_CLI, 'ingest', '--port', '0', '--data-dir', join(dir, 'store'), '--config', join(dir, 'periscope.yaml')], {
    // At the default background priority (idle), not the suite's (vitest.config.ts).
    env: { ...process.env, PERISCOPE_ADMIN_TOKEN: ADMIN, PERISCOPE_SECRET: 'outage-secret', PERISCOPE_KAFKA_BROKERS: '', PERISCOPE_BACKGROUND_PRIORITY: '' },
  });
  ingest.stdout!.on('data', (d) => (output += d));
  ingest.stderr!.on('data', (d) => (output += d));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest did not start:\n${output}`)), 60_000);
    ingest.stdout!.on('data', () => {
      const m = /API (http:\/\/\S+)\/api/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    ingest.once('exit', (code) => reject(new Error(`ingest exited (${code}) with the broker down:\n${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (ingest && ingest.exitCode === null) ingest.kill('SIGKILL');
  await broker?.kill().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const alive = () => ingest.exitCode === null && ingest.signalCode === null;
const health = async () => (await fetch(`${url}/healthz`)).status;

async function produce(project: string, n: number): Promise<void> {
  const kafka = createKafka([broker.brokers], 'outage-test', quiet);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'periscope.events', acks: -1, messages: Array.from({ length: n }, () => {
    const event = makeEvent({ project_id: project });
    return { key: event.request_id, value: encodeRequestEvent(event) };
  }) });
  await producer.disconnect();
}

async function stored(project: string): Promise<number> {
  const res = await fetch(`${url}/api/requests?project=${project}&limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { data: unknown[] }).data.length;
}

describe('periscope ingest and a broker outage', () => {
  it('started with the broker down: stays up, unhealthy, and consumes once the broker is back', async () => {
    await new Promise((r) => setTimeout(r, 3000));
    expect(alive()).toBe(true);
    expect(await health()).toBe(503);
    expect(((await (await fetch(`${url}/healthz`)).json()) as { reason: string }).reason).toMatch(/not consuming from Kafka/);

    await broker.restart();
    await expect.poll(health, { timeout: 60_000, interval: 250 }).toBe(200);
    const project = `p-${randomUUID().slice(0, 8)}`;
    await produce(project, 200);
    await expect.poll(() => stored(project), { timeout: 30_000, interval: 250 }).toBe(200);
    // Every thread of the ingest, chDB's included, yields a contended core to calls (docs/deployment.md).
    expect(await threadsNotIdle(ingest.pid!), 'threads of periscope ingest not under SCHED_IDLE').toEqual([]);
  }, 120_000);

  it('broker killed during a run: stays up, unhealthy while it is gone, catches up when it returns', async () => {
    await broker.kill();
    await expect.poll(health, { timeout: 30_000, interval: 250 }).toBe(503);
    await new Promise((r) => setTimeout(r, 3000));
    expect(alive()).toBe(true);

    await broker.restart();
    await expect.poll(health, { timeout: 60_000, interval: 250 }).toBe(200);
    const project = `p-${randomUUID().slice(0, 8)}`;
    await produce(project, 300);
    await expect.poll(() => stored(project), { timeout: 30_000, interval: 250 }).toBe(300);
    expect(alive()).toBe(true);
    expect(output).not.toMatch(/periscope: Connection error/);
  }, 120_000);
});
