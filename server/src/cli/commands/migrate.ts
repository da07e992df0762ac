import { resolve } from 'node:path';
import { openStore } from '@periscope/clickhouse';
import { ensureDataDir } from '../../data-dir.ts';
import { option } from '../options.ts';

export async function migrate(values: Record<string, unknown>): Promise<void> {
  const clickhouseUrl = option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL');
  const dataDir = resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope');
  if (!clickhouseUrl) ensureDataDir(dataDir);
  const store = await openStore(clickhouseUrl ? { url: clickhouseUrl } : { dataDir });
  try {
    const applied = await store.migrate();
    console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Schema is up to date.');
  } finally {
    await store.close();
  }
}
