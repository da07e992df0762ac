import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, ConfigError } from '@periscope/proxy';
import { openStore } from '@periscope/clickhouse';
import { startEmbedded } from '../server.ts';
import { createKey } from '../api/api-plugin.ts';
import { ensureDataDir, loadOrCreateSecret } from '../data-dir.ts';

const USAGE = `Usage: pnpm periscope <command> [options]

Commands:
  start    [--port 8787] [--host 127.0.0.1] [--data-dir .periscope] [--config periscope.yaml]
           Every role in one process with the embedded ClickHouse (chDB).
  keys create --project NAME [--name TEXT] [--url URL | --data-dir DIR | --clickhouse-url URL]
           Creates a gateway key; the key is the last line of stdout.
  migrate  [--data-dir DIR | --clickhouse-url URL]
  proxy, ingest
           The distributed roles (Kafka); not available yet in this version.

Environment: PERISCOPE_PORT, PERISCOPE_HOST, PERISCOPE_DATA_DIR, PERISCOPE_CONFIG,
PERISCOPE_CLICKHOUSE_URL, PERISCOPE_ADMIN_TOKEN, PERISCOPE_SECRET.`;

const env = process.env;

class UsageError extends Error {}

function option(values: Record<string, unknown>, name: string, envName?: string): string | undefined {
  const v = values[name];
  if (typeof v === 'string' && v !== '') return v;
  return envName ? env[envName] || undefined : undefined;
}

function configPath(values: Record<string, unknown>): string | undefined {
  const explicit = option(values, 'config', 'PERISCOPE_CONFIG');
  if (explicit) return explicit;
  return existsSync('periscope.yaml') ? 'periscope.yaml' : undefined;
}

async function start(values: Record<string, unknown>): Promise<void> {
  const port = Number(option(values, 'port', 'PERISCOPE_PORT') ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535`);
  const host = option(values, 'host', 'PERISCOPE_HOST') ?? '127.0.0.1';
  const dataDir = resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope');
  const config = loadConfigFile(configPath(values));
  const server = await startEmbedded({ dataDir, config });
  const address = await server.app.listen({ port, host });
  const base = address.replace('[::1]', 'localhost');
  const lines = [
    '',
    `Periscope is running (embedded store in ${dataDir})`,
    `  UI and API:  ${base}/`,
    `  Gateway:     ${base}/v1  (OpenAI and Anthropic SDKs: set the base URL here)`,
  ];
  if (server.firstRun.adminToken) lines.push(`  Admin token: ${server.firstRun.adminToken}   (shown once; API: Authorization: Bearer <token>)`);
  if (server.firstRun.gatewayKey) lines.push(`  Gateway key: ${server.firstRun.gatewayKey}   (project "default"; shown once; send as Periscope-Auth: Bearer <key>)`);
  console.log(lines.join('\n') + '\n');
  const stop = async (signal: string) => {
    server.app.log.info({ signal }, 'shutting down: flushing queued events');
    await server.app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

async function keysCreate(values: Record<string, unknown>): Promise<void> {
  const project = option(values, 'project');
  if (!project) throw new UsageError('keys create needs --project NAME');
  const name = option(values, 'name') ?? '';
  const url = option(values, 'url');
  if (url) {
    const token = env.PERISCOPE_ADMIN_TOKEN;
    if (!token) throw new UsageError('keys create --url needs PERISCOPE_ADMIN_TOKEN (the admin token printed at first start)');
    const res = await fetch(new URL('/api/keys', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ project, name }),
    });
    const body = (await res.json()) as { key?: string; error?: { message: string } };
    if (!res.ok || !body.key) throw new Error(`the server refused: ${body.error?.message ?? res.status}`);
    console.log(`Created a gateway key for project "${project}" (shown once):`);
    console.log(body.key);
    return;
  }
  const clickhouseUrl = option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL');
  const dataDir = clickhouseUrl ? undefined : resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope');
  if (dataDir) ensureDataDir(dataDir);
  const secret = loadOrCreateSecret(dataDir, env);
  const store = await openStore(clickhouseUrl ? { url: clickhouseUrl } : { dataDir: dataDir! });
  try {
    await store.migrate();
    const created = await createKey(store, secret, project, name, null);
    console.log(`Created a gateway key for project "${project}" (shown once):`);
    console.log(created.key);
  } finally {
    await store.close();
  }
}

async function migrate(values: Record<string, unknown>): Promise<void> {
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

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' },
      project: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' }, 'clickhouse-url': { type: 'string' },
      kafka: { type: 'string' }, 'control-url': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command === 'start') return start(values);
  if (command === 'keys' && sub === 'create') return keysCreate(values);
  if (command === 'migrate') return migrate(values);
  if (command === 'proxy' || command === 'ingest') {
    throw new UsageError(`"${command}" (the distributed Kafka roles) is not available in this version; use "start".`);
  }
  throw new UsageError(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err: Error) => {
  const locked = err.name === 'StoreLockedError';
  const message = locked
    ? `${err.message}\nA running Periscope holds this data directory: use --url http://HOST:PORT with PERISCOPE_ADMIN_TOKEN instead.`
    : err.message;
  console.error(`periscope: ${message}`);
  process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
});
