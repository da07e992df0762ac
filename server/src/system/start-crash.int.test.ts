import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { seededRandom } from '@periscope/proxy';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { ADMIN_TOKEN } from '../testing/gateway-harness.ts';
import { startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';

/**
 * `periscope start` killed with SIGKILL under load, at points chosen by a seeded generator
 * (PERISCOPE_CRASH_SEED and PERISCOPE_CRASH_ROUNDS run it longer), then started again on the
 * same data directory: every call a client saw answered (status 200, the whole body read) has
 * its row, exactly once, in the raw table and in the rollups. The store process alone is
 * killed too: the gateway keeps answering and its supervisor starts the store again.
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
  await running?.kill('SIGKILL');
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const config = () => ({ providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-crash-configured-0123456789' } } });
const start = () => startPeriscopeProcess(config(), {}, { dir });

async function newKey(url: string, project: string): Promise<string> {
  const res = await fetch(`${url}/api/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ project }) });
  return ((await res.json()) as { key: string }).key;
}

async function storedIds(url: string, project: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor = ''; ;) {
    const res = await fetch(`${url}/api/requests?project=${project}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: admin });
    const page = (await res.json()) as { data: { request_id: string }[]; next_cursor: string | null };
    ids.push(...page.data.map((r) => r.request_id));
    if (!page.next_cursor) return ids;
    cursor = page.next_cursor;
  }
}

/** Calls counted by the overview's KPIs: whole minutes and hours come from the rollups. */
async function summaryCount(url: string, project: string): Promise<number> {
  const from = new Date(Date.now() - 3 * 3600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const res = await fetch(`${url}/api/metrics/summary?project=${project}&from=${from}&to=${to}`, { headers: admin });
  const body = (await res.json()) as { current: { requests: number } };
  return body.current.requests;
}

/**
 * 16 clients calling as fast as they can (a third of the calls streamed) until the process
 * dies; returns the ids of the calls that were answered completely.
 */
async function loadUntilDeath(url: string, key: string, stopAfter: () => boolean): Promise<{ answered: string[]; failed: number }> {
  const agent = new Agent({ connections: 16 });
  const answered: string[] = [];
  let failed = 0;
  let n = 0;
  const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'crash test' }] });
  const stream = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'crash test' }] });
  async function client(): Promise<void> {
    while (!stopAfter()) {
      const streamed = n++ % 3 === 0;
      try {
        const res = await request(`${url}/v1/chat/completions`, {
          method: 'POST', dispatcher: agent, body: streamed ? stream : chat,
          headers: { 'periscope-auth': `Bearer ${key}`, 'content-type': 'application/json' },
        });
        const text = await res.body.text();
        if (res.statusCode === 200 && (!streamed || text.includes('data: [DONE]'))) answered.push(String(res.headers['periscope-request-id']));
        else failed += 1;
      } catch {
        failed += 1; // the process died under this call: not answered
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await Promise.all(Array.from({ length: 16 }, client));
  await agent.close().catch(() => undefined);
  return { answered, failed };
}

describe('periscope start under SIGKILL', () => {
  it(`loses no answered call and stores none twice (seed ${SEED}, ${ROUNDS} kills of the gateway process, one of the store process)`, async () => {
    const random = seededRandom(SEED);
    running = await start();
    const project = `crash-${SEED}`;
    const key = await newKey(running.url, project);
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

    // The store process alone: the gateway answers throughout, the supervisor starts it again.
    const [storePid] = await running.children();
    expect(storePid).toBeGreaterThan(0);
    let stopLoad = false;
    const load = loadUntilDeath(running.url, key, () => stopLoad);
    await new Promise((r) => setTimeout(r, 500 + Math.floor(random() * 1000)));
    process.kill(storePid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    stopLoad = true;
    const during = await load;
    for (const id of during.answered) answered.add(id);
    expect(during.failed).toBe(0);
    console.log(`store process SIGKILLed: ${during.answered.length} calls answered meanwhile, none failed`);

    const url = running.url;
    await expect.poll(async () => {
      const stored = new Set(await storedIds(url, project));
      return [...answered].filter((id) => !stored.has(id)).length;
    }, { timeout: 60_000, interval: 500 }).toBe(0);
    const stored = await storedIds(url, project);
    expect(stored.length).toBe(new Set(stored).size);
    // Rows the API shows once could still be counted twice by the rollups (a batch inserted
    // again after a crash): the overview's count must match the rows.
    await expect.poll(() => summaryCount(url, project), { timeout: 10_000 }).toBe(stored.length);
    console.log(`after ${ROUNDS} kills: ${answered.size} answered calls, ${stored.length} rows (${stored.length - answered.size} calls cut off after they were logged), every answered call stored once`);
  }, 300_000);
});
