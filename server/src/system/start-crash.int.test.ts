import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@periscope/proxy';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { ADMIN_TOKEN } from '../testing/gateway-harness.ts';
import { createGatewayKey, startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';
import { loadUntilDeath, storedIds, summaryCount } from '../testing/crash-load.ts';

/**
 * `periscope start` killed with SIGKILL under load, at points chosen by a seeded generator
 * (PERISCOPE_CRASH_SEED and PERISCOPE_CRASH_ROUNDS run it longer), then started again on the
 * same data directory: every call a client saw answered (status 200, the whole body read) has
 * its row, exactly once, in the raw table and in the rollups. The store process alone is
 * killed too, as many times: the gateway keeps answering and its supervisor starts the store
 * again.
 */
const SEED = Number(process.env.PERISCOPE_CRASH_SEED ?? 20261202);
const ROUNDS = Number(process.env.PERISCOPE_CRASH_ROUNDS ?? 2);
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let mock: MockUpstream;
let dir: string;
let running: PeriscopeProcess | undefined;

beforeAll(async () => {
  mock = await startMockUpstream({ record: false });
  dir = await mkdtemp(join(tmpdir(), 'periscope-start-crash-'));
}, 60_000);

afterAll(async () => {
  // stop(), not kill(): the killed gateway's store process still drains into the directory for a
  // moment, and removing the directory under it fails with ENOTEMPTY.
  await running?.stop();
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const config = () => ({ providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-crash-configured-0123456789' } } });
const start = () => startPeriscopeProcess(config(), {}, { dir });

describe('periscope start under SIGKILL', () => {
  it(`loses no answered call and stores none twice (seed ${SEED}, ${ROUNDS} kills of the gateway process, ${ROUNDS} of the store process)`, async () => {
    const random = seededRandom(SEED);
    running = await start();
    const project = `crash-${SEED}`;
    const key = await createGatewayKey(running.url, project);
    const answered = new Set<string>();

    for (let round = 0; round < ROUNDS; round++) {
      const p = running;
      const killAfterMs = 800 + Math.floor(random() * 2500);
      let dead = false;
      const load = loadUntilDeath(p.url, key, () => dead);
      await new Promise((r) => setTimeout(r, killAfterMs));
      await p.kill('SIGKILL');
      dead = true;
      const { answered: ids, failed } = await load;
      for (const id of ids) answered.add(id);
      console.log(`round ${round + 1}: SIGKILL after ${killAfterMs} ms, ${ids.length} calls answered, ${failed} cut off`);
      running = await start();
    }

    // The store process alone, as often: the gateway answers throughout, the supervisor starts
    // it again. A kill between the engine's commit of the table's part and the rollups' leaves
    // rows the rollups lack until the batch is inserted again (checked below).
    let killed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // The supervisor's backoff doubles while the store process lives under a minute (1 s, 2 s, 4 s, ... 30 s).
      let storePid: number | undefined;
      await expect.poll(async () => (storePid = (await running!.children())[0]), { timeout: 60_000, interval: 100 }).toSatisfy((pid) => pid !== undefined && pid !== killed);
      let stopLoad = false;
      const load = loadUntilDeath(running.url, key, () => stopLoad);
      await new Promise((r) => setTimeout(r, 500 + Math.floor(random() * 1000)));
      process.kill(storePid!, 'SIGKILL');
      killed = storePid!;
      await new Promise((r) => setTimeout(r, 1500));
      stopLoad = true;
      const during = await load;
      for (const id of during.answered) answered.add(id);
      expect(during.failed).toBe(0);
      console.log(`store process SIGKILLed: ${during.answered.length} calls answered meanwhile, none failed`);
    }

    const url = running.url;
    await expect.poll(async () => {
      const stored = new Set(await storedIds(url, project, admin));
      return [...answered].filter((id) => !stored.has(id)).length;
    }, { timeout: 60_000, interval: 500 }).toBe(0);
    const stored = await storedIds(url, project, admin);
    expect(stored.length).toBe(new Set(stored).size);
    // The overview's count (rollups) must match the rows.
    await expect.poll(() => summaryCount(url, project, admin), { timeout: 10_000 }).toBe(stored.length);
    console.log(`after ${ROUNDS} kills: ${answered.size} answered calls, ${stored.length} rows (${stored.length - answered.size} calls cut off after they were logged), every answered call stored once`);
  }, Math.max(300_000, ROUNDS * 60_000));
});
