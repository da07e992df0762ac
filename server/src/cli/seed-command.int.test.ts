import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '@periscope/clickhouse';
import { seed } from './seed-command.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'periscope-seed-'));
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

it('seeds a project with a key and rows the overview can read', async () => {
  const lines: string[] = [];
  // The rows span the 3 days before the seed's own clock reading: the window starts before it (a
  // window taken after a slow seed missed its oldest row).
  const before = Date.now();
  await seed({ rows: 30_000, project: 'demo', days: 3, seed: 1, dataDir, env: {}, log: (l) => lines.push(l) });
  expect(lines[0]).toMatch(/^Created a gateway key for project "demo" \(shown once\): psk_/);
  expect(lines.at(-1)).toMatch(/^Seeded 30,000 rows into project "demo" over the last 3 days/);

  const store = await openStore({ dataDir });
  try {
    expect((await store.listKeys(['demo'])).length).toBe(1);
    const from = before - 3 * 86_400_000;
    const now = Date.now();
    const summary = await store.metricsSummary({ projectIds: ['demo'], from, to: now });
    expect(summary.current.requests).toBe(30_000);
    expect(summary.current.cost_usd).toBeGreaterThan(0);
    expect(summary.current.cache_hit_rate).toBeGreaterThan(0);
    expect(summary.current.prompt_cache_hit_rate).toBeGreaterThan(0);
    const sessions = await store.listSessions({ projectIds: ['demo'], from, to: now, limit: 5 });
    expect(sessions.data).toHaveLength(5);
    const teams = (await store.listProperties({ projectIds: ['demo'], from, to: now })).find((p) => p.key === 'team');
    expect(teams?.values).toContain('研发');
  } finally {
    await store.close();
  }
});
