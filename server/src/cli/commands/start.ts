import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { startAllInOne } from '../../roles/start-role.ts';
import { ownOrigin } from '../../store-process/warm-relay.ts';
import { baseUrlLines } from '../base-urls.ts';
import { configPath, listenOptions, loadConfig, option } from '../options.ts';
import { adviseOnGcThreads, exitOnSignal, LISTEN_BACKLOG } from '../serve.ts';

export async function start(values: Record<string, unknown>): Promise<void> {
  const dataDir = resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope');
  const config = loadConfig(values, false);
  const server = await startAllInOne({ dataDir, config, configFile: configPath(values) });
  const address = await server.app.listen(Object.assign(listenOptions(values, 8787), { backlog: LISTEN_BACKLOG }));
  const base = address.replace('[::1]', 'localhost');
  server.store.listening(base);
  // Calls are served from here on: a signal during the warm-up drains them like any other.
  exitOnSignal(server.app);
  await server.warmRelay(ownOrigin(server.app.server.address() as AddressInfo));
  const lines = [
    '',
    `Periscope is running (embedded store in ${dataDir})`,
    `  UI and API:  ${base}/`,
    ...baseUrlLines(base),
  ];
  if (server.firstRun.adminToken) lines.push(`  Admin token: ${server.firstRun.adminToken}   (shown once; API: Authorization: Bearer <token>)`);
  if (server.firstRun.gatewayKey) lines.push(`  Gateway key: ${server.firstRun.gatewayKey}   (project "default"; shown once; send as Periscope-Auth: Bearer <key>)`);
  if (server.firstRun.noAccounts) {
    lines.push(`  Sign-in:     no accounts yet; create the first admin with`);
    lines.push(`               PERISCOPE_ADMIN_TOKEN=<admin token> pnpm periscope users create --email you@example.com --url ${base}`);
    lines.push(`               (or sign in to the UI with the admin token and open Accounts)`);
  }
  console.log(lines.join('\n') + '\n');
  adviseOnGcThreads(server.app);
}
