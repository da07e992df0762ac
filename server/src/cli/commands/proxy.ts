import { resolve } from 'node:path';
import { startProxyRole } from '../../roles/proxy-role.ts';
import { baseUrlLines } from '../base-urls.ts';
import { configPath, listenOptions, loadConfig, option, UsageError } from '../options.ts';
import { adviseOnGcThreads, exitOnSignal, LISTEN_BACKLOG } from '../serve.ts';

export async function proxy(values: Record<string, unknown>): Promise<void> {
  const controlUrl = option(values, 'control-url');
  if (!controlUrl) throw new UsageError('periscope proxy needs --control-url (the ingest base URL, for gateway keys)');
  const role = await startProxyRole({
    config: loadConfig(values, true), configFile: configPath(values), controlUrl,
    dataDir: resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope-proxy'),
  });
  const address = await role.app.listen(Object.assign(listenOptions(values, 8787), { backlog: LISTEN_BACKLOG }));
  console.log([`Periscope proxy is running: events to Kafka, keys from ${controlUrl}`, ...baseUrlLines(address)].join('\n'));
  adviseOnGcThreads(role.app);
  exitOnSignal(role.app);
}
