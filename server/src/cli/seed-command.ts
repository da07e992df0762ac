import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '@periscope/clickhouse';
import { type RequestEvent } from '@periscope/contract';
import { createKey } from '@periscope/control-plane';
import { ensureDataDir, loadOrCreateSecret } from '../data-dir.ts';
import { syntheticTraffic } from './synthetic-traffic.ts';

export interface SeedOptions {
  rows: number;
  project: string;
  days: number;
  seed: number;
  /** Embedded store directory, unless clickhouseUrl is given. */
  dataDir?: string;
  clickhouseUrl?: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

const BATCH = 25_000;

/**
 * `periscope seed`: writes synthetic rows straight into the store (no gateway), for demos and
 * for measuring the UI's queries at volume. The embedded store is locked by a running
 * `periscope start`, so seed it while it is stopped. The project gets a gateway key when it
 * has none, because the API shows the admin the projects that have keys.
 */
export async function seed(o: SeedOptions): Promise<void> {
  const dataDir = o.clickhouseUrl ? undefined : resolve(o.dataDir ?? '.periscope');
  if (dataDir) ensureDataDir(dataDir);
  const store = await openStore(o.clickhouseUrl ? { url: o.clickhouseUrl } : { dataDir: dataDir! });
  try {
    await store.migrate();
    if ((await store.listKeys([o.project])).length === 0) {
      const created = await createKey(store, loadOrCreateSecret(dataDir, o.env), { project: o.project, name: 'created by periscope seed' });
      o.log(`Created a gateway key for project "${o.project}" (shown once): ${created.key}`);
    }
    const next = syntheticTraffic({ project: o.project, end: Date.now(), days: o.days, seed: o.seed });
    const started = performance.now();
    for (let i = 0; i < o.rows; i += BATCH) {
      const batch: RequestEvent[] = [];
      for (let j = i; j < Math.min(o.rows, i + BATCH); j++) batch.push(next(j));
      await store.insertRequests(batch);
      const done = Math.min(o.rows, i + BATCH);
      if (done % 200_000 < BATCH || done === o.rows) o.log(`  ${done.toLocaleString('en-US')} rows`);
    }
    const seconds = (performance.now() - started) / 1000;
    o.log(`Seeded ${o.rows.toLocaleString('en-US')} rows into project "${o.project}" over the last ${o.days} days in ${seconds.toFixed(1)} s (${Math.round(o.rows / seconds).toLocaleString('en-US')} rows/s).`);
  } finally {
    await store.close();
  }
}
