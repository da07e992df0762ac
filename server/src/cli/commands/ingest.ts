import { resolve } from 'node:path';
import { startIngestRole } from '../../roles/ingest-role.ts';
import { env, listenOptions, loadConfig, option, UsageError } from '../options.ts';
import { exitOnSignal } from '../serve.ts';
import { runInBackground } from '@periscope/proxy';

export async function ingest(values: Record<string, unknown>): Promise<void> {
  const clickhouseUrl = option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL');
  const dataDir = option(values, 'data-dir', 'PERISCOPE_DATA_DIR');
  if (!clickhouseUrl && !dataDir) throw new UsageError('periscope ingest needs --clickhouse-url URL or --data-dir DIR');
  const config = loadConfig(values, true);
  // Before the store starts its threads: they inherit it. A gateway on the same machine comes first.
  const fellShort = runInBackground(config.logging.background_priority);
  if (fellShort) console.warn(`periscope ingest: ${fellShort}`);
  const role = await startIngestRole({
    config,
    location: clickhouseUrl ? { url: clickhouseUrl, reportsUrl: env.PERISCOPE_CLICKHOUSE_REPORTS_URL || undefined } : { dataDir: resolve(dataDir!) },
  });
  const address = await role.app.listen(listenOptions(values, 8788));
  console.log(`Periscope ingest is running: API ${address}/api, consuming from Kafka`);
  if (role.firstRun.adminToken) console.log(`  Admin token: ${role.firstRun.adminToken}   (shown once)`);
  exitOnSignal(role.app);
}
