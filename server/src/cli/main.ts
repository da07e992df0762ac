import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, ConfigError } from '@periscope/proxy';
import { parseBrokers } from '@periscope/spool';
import { openStore, type Store } from '@periscope/clickhouse';
import { startAllInOne } from '../roles/start-role.ts';
import { startIngestRole } from '../roles/ingest-role.ts';
import { startProxyRole } from '../roles/proxy-role.ts';
import { createKey, createAccount, parseNewAccount, ApiError } from '@periscope/control-plane';
import { readPassword } from './read-password.ts';
import { baseUrlLines } from './base-urls.ts';
import { ensureDataDir, loadOrCreateSecret } from '../data-dir.ts';
import { ReportRunError, runReportOnStore, runReportViaApi } from './report-command.ts';
import { seed } from './seed-command.ts';
import { CONNECT_AGENTS, connect, type ConnectAgent } from './connect/connect-command.ts';
import { MergeError } from './connect/merge-settings.ts';
import { statusLine } from './statusline.ts';
import { pricesCheck } from './prices-check.ts';
import { homedir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const USAGE = `Usage: pnpm periscope <command> [options]

Commands:
  start    [--port 8787] [--host 127.0.0.1] [--data-dir .periscope] [--config periscope.yaml] [--kafka HOST:PORT]
           Every role in one process with the embedded ClickHouse (chDB); with --kafka the
           events go through Kafka and back.
  proxy    --kafka HOST:PORT --control-url URL [--port 8787] [--data-dir .periscope-proxy] [--config]
           The gateway only; events to Kafka (disk spool when unreachable), keys from the control plane.
  ingest   --kafka HOST:PORT (--clickhouse-url URL | --data-dir DIR) [--port 8788] [--config]
           Kafka consumer into ClickHouse, plus the API and control plane.
  keys create --project NAME [--name TEXT] [--url URL | --data-dir DIR | --clickhouse-url URL]
           Creates a gateway key; the key is the last line of stdout.
  users create --email EMAIL [--role admin|member|viewer] [--projects A,B] [--name TEXT]
           [--url URL | --data-dir DIR | --clickhouse-url URL]
           Creates an account for the UI and API (default role admin); the password is read
           from the terminal, or from the first line of stdin.
  report run NAME [--project P] [--format csv|tsv|jsonl|parquet] [--param k=v ...]
           [--url URL | --data-dir DIR | --clickhouse-url URL]
           Runs a saved report and writes its export to stdout (default CSV); --param sets
           its {name:Type} parameters (relative times like today-7d work).
  connect  claude-code|codex|gemini-cli|openai-sdk|anthropic-sdk --key GATEWAY_KEY [--url http://127.0.0.1:8787] [--write]
           Prints the settings that point the agent at this gateway; --write merges them into the
           agent's own files (~/.claude/settings.json, ~/.codex/config.toml, ~/.gemini/.env), backing each up.
  statusline [--url URL]
           Claude Code's status line (session JSON on stdin): the session's cost, cache hit rate and budget left.
  prices check [--days 7] [--url URL | --data-dir DIR | --clickhouse-url URL]
           Lists models called in the last N days that have no price.
  migrate  [--data-dir DIR | --clickhouse-url URL]
  seed     [--rows 1000000] [--project demo] [--days 7] [--seed 42] [--data-dir DIR | --clickhouse-url URL]
           Writes synthetic requests for demos and benchmarks (stop \`start\` first: it holds the data dir).

Environment: PERISCOPE_PORT, PERISCOPE_HOST, PERISCOPE_DATA_DIR, PERISCOPE_CONFIG,
PERISCOPE_KAFKA_BROKERS, PERISCOPE_CLICKHOUSE_URL, PERISCOPE_CLICKHOUSE_REPORTS_URL (ingest: the report
reader user of clickhouse/sql/report-reader.sql), PERISCOPE_ADMIN_TOKEN, PERISCOPE_SECRET.`;

const env = process.env;

/**
 * Pending connections the kernel queues for a gateway. Node's default (511) overflowed at
 * 2,000 new connections a second; the kernel caps it at net.core.somaxconn anyway.
 */
const LISTEN_BACKLOG = 4096;

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

function listenOptions(values: Record<string, unknown>, defaultPort: number) {
  const port = Number(option(values, 'port', 'PERISCOPE_PORT') ?? defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535`);
  return { port, host: option(values, 'host', 'PERISCOPE_HOST') ?? '127.0.0.1' };
}

/** The config file, with `--kafka` / PERISCOPE_KAFKA_BROKERS overriding `kafka.brokers`. */
function loadConfig(values: Record<string, unknown>, requireKafka: boolean) {
  const config = loadConfigFile(configPath(values));
  const brokers = option(values, 'kafka', 'PERISCOPE_KAFKA_BROKERS');
  if (brokers) config.kafka.brokers = parseBrokers(brokers);
  if (requireKafka && config.kafka.brokers.length === 0) throw new UsageError('this role needs --kafka HOST:PORT (or PERISCOPE_KAFKA_BROKERS)');
  return config;
}

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight calls finish for up to 20 s, then cut the
 * rest (each still logged, as client_aborted) so the pipeline has time to flush its queue
 * and fsync the spool before the hard exit at 30 s.
 */
function exitOnSignal(app: FastifyInstance): void {
  const stop = async (signal: string) => {
    app.log.info({ signal }, 'shutting down: finishing in-flight calls and flushing events');
    // A keep-alive connection whose call just finished would otherwise hold close() open.
    setInterval(() => app.server.closeIdleConnections(), 250).unref();
    setTimeout(() => app.server.closeAllConnections(), 20_000).unref();
    setTimeout(() => process.exit(1), 30_000).unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

async function proxy(values: Record<string, unknown>): Promise<void> {
  const controlUrl = option(values, 'control-url');
  if (!controlUrl) throw new UsageError('periscope proxy needs --control-url (the ingest base URL, for gateway keys)');
  const role = await startProxyRole({
    config: loadConfig(values, true), configFile: configPath(values), controlUrl,
    dataDir: resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope-proxy'),
  });
  const address = await role.app.listen({ ...listenOptions(values, 8787), backlog: LISTEN_BACKLOG });
  console.log([`Periscope proxy is running: events to Kafka, keys from ${controlUrl}`, ...baseUrlLines(address)].join('\n'));
  exitOnSignal(role.app);
}

async function ingest(values: Record<string, unknown>): Promise<void> {
  const clickhouseUrl = option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL');
  const dataDir = option(values, 'data-dir', 'PERISCOPE_DATA_DIR');
  if (!clickhouseUrl && !dataDir) throw new UsageError('periscope ingest needs --clickhouse-url URL or --data-dir DIR');
  const role = await startIngestRole({
    config: loadConfig(values, true),
    location: clickhouseUrl ? { url: clickhouseUrl, reportsUrl: env.PERISCOPE_CLICKHOUSE_REPORTS_URL || undefined } : { dataDir: resolve(dataDir!) },
  });
  const address = await role.app.listen(listenOptions(values, 8788));
  console.log(`Periscope ingest is running: API ${address}/api, consuming from Kafka`);
  if (role.firstRun.adminToken) console.log(`  Admin token: ${role.firstRun.adminToken}   (shown once)`);
  exitOnSignal(role.app);
}

async function start(values: Record<string, unknown>): Promise<void> {
  const dataDir = resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope');
  const config = loadConfig(values, false);
  const server = await startAllInOne({ dataDir, config, configFile: configPath(values) });
  const address = await server.app.listen({ ...listenOptions(values, 8787), backlog: LISTEN_BACKLOG });
  const base = address.replace('[::1]', 'localhost');
  server.store.listening(base);
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
  exitOnSignal(server.app);
}

/** Opens the store named by --clickhouse-url or --data-dir (default .periscope) for a one-off command. */
async function withStore<T>(values: Record<string, unknown>, work: (store: Store, dataDir: string | undefined) => Promise<T>): Promise<T> {
  const clickhouseUrl = option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL');
  const dataDir = clickhouseUrl ? undefined : resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope');
  if (dataDir) ensureDataDir(dataDir);
  const store = await openStore(clickhouseUrl ? { url: clickhouseUrl } : { dataDir: dataDir! });
  try {
    await store.migrate();
    return await work(store, dataDir);
  } finally {
    await store.close();
  }
}

/** POSTs to a running Periscope's API with the admin token; the answer's JSON or the server's refusal. */
async function postToServer<T>(url: string, path: string, body: unknown, what: string): Promise<T> {
  const token = env.PERISCOPE_ADMIN_TOKEN;
  if (!token) throw new UsageError(`${what} --url needs PERISCOPE_ADMIN_TOKEN (the admin token printed at first start)`);
  const res = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) throw new Error(`the server refused: ${answer.error?.message ?? res.status}`);
  return answer;
}

async function keysCreate(values: Record<string, unknown>): Promise<void> {
  const project = option(values, 'project');
  if (!project) throw new UsageError('keys create needs --project NAME');
  const name = option(values, 'name') ?? '';
  const url = option(values, 'url');
  const { key } = url
    ? await postToServer<{ key: string }>(url, '/api/keys', { project, name }, 'keys create')
    : await withStore(values, (store, dataDir) => createKey(store, loadOrCreateSecret(dataDir, env), { project, name }));
  console.log(`Created a gateway key for project "${project}" (shown once):`);
  console.log(key);
}

async function usersCreate(values: Record<string, unknown>): Promise<void> {
  const email = option(values, 'email');
  if (!email) throw new UsageError('users create needs --email EMAIL');
  const password = await readPassword('Password for the new account: ');
  const body = {
    email, password, role: option(values, 'role') ?? 'admin', name: option(values, 'name') ?? '',
    projects: (option(values, 'projects') ?? '').split(',').map((p) => p.trim()).filter(Boolean),
  };
  const url = option(values, 'url');
  const created = url
    ? await postToServer<{ email: string; role: string }>(url, '/api/accounts', body, 'users create')
    : await withStore(values, async (store) => {
      try {
        return await createAccount(store, parseNewAccount(body));
      } catch (err) {
        if (err instanceof ApiError) throw new UsageError(err.message);
        throw err;
      }
    });
  console.log(`Created the ${created.role} account ${created.email}; sign in to the UI with it.`);
}

async function reportRun(values: Record<string, unknown>, name: string | undefined): Promise<void> {
  if (!name) throw new UsageError('report run needs the report name: pnpm periscope report run NAME');
  const o = { name, project: option(values, 'project'), format: option(values, 'format') ?? 'csv', params: (values.param as string[] | undefined) ?? [], out: process.stdout };
  const url = option(values, 'url');
  try {
    if (url) {
      const token = env.PERISCOPE_ADMIN_TOKEN;
      if (!token) throw new UsageError('report run --url needs PERISCOPE_ADMIN_TOKEN (the admin token printed at first start)');
      return await runReportViaApi(url, token, o);
    }
    const config = loadConfig(values, false);
    return await withStore(values, (store) => runReportOnStore(store, config, o));
  } catch (err) {
    if (err instanceof ReportRunError) throw new UsageError(err.message);
    throw err;
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

function count(values: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const n = Number(option(values, name) ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}`);
  return n;
}

async function seedCommand(values: Record<string, unknown>): Promise<void> {
  await seed({
    rows: count(values, 'rows', 1_000_000, 100_000_000),
    project: option(values, 'project') ?? 'demo',
    days: count(values, 'days', 7, 400),
    seed: count(values, 'seed', 42, 2 ** 31),
    dataDir: option(values, 'data-dir', 'PERISCOPE_DATA_DIR'),
    clickhouseUrl: option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL'),
    env,
    log: (line) => console.log(line),
  });
}

/** How Claude Code runs `periscope statusline`: this Node and tsx directly (pnpm would add ~0.5 s per refresh). */
function statusLineCommand(): string {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
  const loader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  return [process.execPath, '--import', loader, join(root, 'server/src/cli/main.ts'), 'statusline'].map((a) => JSON.stringify(a)).join(' ');
}

async function connectCommand(values: Record<string, unknown>, agent: string | undefined): Promise<void> {
  if (!agent || !(CONNECT_AGENTS as readonly string[]).includes(agent)) throw new UsageError(`connect needs one of: ${CONNECT_AGENTS.join(', ')}`);
  const key = option(values, 'key', 'PERISCOPE_GATEWAY_KEY');
  if (!key) throw new UsageError('connect needs --key GATEWAY_KEY (or PERISCOPE_GATEWAY_KEY): the key the agent will send');
  try {
    await connect({
      agent: agent as ConnectAgent, key, url: option(values, 'url') ?? `http://127.0.0.1:${env.PERISCOPE_PORT ?? 8787}`,
      home: option(values, 'home') ?? homedir(), statusLineCommand: statusLineCommand(), write: values.write === true, log: (l) => console.log(l),
    });
  } catch (err) {
    if (err instanceof MergeError) throw new UsageError(err.message);
    throw err;
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' },
      project: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' }, 'clickhouse-url': { type: 'string' },
      kafka: { type: 'string' }, 'control-url': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      rows: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' },
      email: { type: 'string' }, role: { type: 'string' }, projects: { type: 'string' },
      format: { type: 'string' }, param: { type: 'string', multiple: true },
      key: { type: 'string' }, write: { type: 'boolean' }, home: { type: 'string' },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command === 'start') return start(values);
  if (command === 'keys' && sub === 'create') return keysCreate(values);
  if (command === 'users' && sub === 'create') return usersCreate(values);
  if (command === 'report' && sub === 'run') return reportRun(values, positionals[2]);
  if (command === 'migrate') return migrate(values);
  if (command === 'connect') return connectCommand(values, sub);
  if (command === 'statusline') return void console.log(await statusLine({ stdin: await readStdin(), env, url: option(values, 'url') }));
  if (command === 'prices' && sub === 'check') {
    const days = count(values, 'days', 7, 400);
    const url = option(values, 'url');
    return pricesCheck({ days, url, token: env.PERISCOPE_ADMIN_TOKEN, log: (l) => console.log(l), withStore: url ? undefined : (work) => withStore(values, work), config: () => loadConfig(values, false) });
  }
  if (command === 'seed') return seedCommand(values);
  if (command === 'proxy') return proxy(values);
  if (command === 'ingest') return ingest(values);
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
