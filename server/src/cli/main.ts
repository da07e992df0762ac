/**
 * `periscope <command>`: parses the command line and hands it to the command's module under
 * commands/, loaded only then: the gateway's process (`start`, `proxy`) never loads the store
 * drivers, the seeder or the agents' settings writers, and their memory.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '@periscope/proxy';
import { UsageError } from './options.ts';

const USAGE = `Usage: pnpm periscope <command> [options]

Commands:
  start    [--port 8787] [--host 127.0.0.1] [--data-dir .periscope] [--config periscope.yaml] [--kafka HOST:PORT]
           Everything on one machine with the embedded ClickHouse (chDB): the gateway, and a store
           process (chDB, the control plane, the API and UI); with --kafka the events go through Kafka and back.
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
reader user of clickhouse/sql/report-reader.sql), PERISCOPE_ADMIN_TOKEN, PERISCOPE_SECRET, PERISCOPE_BACKGROUND_PRIORITY (idle, low or normal:
logging.background_priority).`;

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
  if (command === 'start') return (await import('./commands/start.ts')).start(values);
  if (command === 'keys' && sub === 'create') return (await import('./commands/keys-create.ts')).keysCreate(values);
  if (command === 'users' && sub === 'create') return (await import('./commands/users-create.ts')).usersCreate(values);
  if (command === 'report' && sub === 'run') return (await import('./commands/report-run.ts')).reportRun(values, positionals[2]);
  if (command === 'migrate') return (await import('./commands/migrate.ts')).migrate(values);
  if (command === 'connect') return (await import('./commands/connect.ts')).connectCommand(values, sub);
  if (command === 'statusline') return (await import('./commands/statusline.ts')).statuslineCommand(values);
  if (command === 'prices' && sub === 'check') return (await import('./commands/prices-check.ts')).pricesCheckCommand(values);
  if (command === 'seed') return (await import('./commands/seed.ts')).seedCommand(values);
  if (command === 'proxy') return (await import('./commands/proxy.ts')).proxy(values);
  if (command === 'ingest') return (await import('./commands/ingest.ts')).ingest(values);
  throw new UsageError(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
}

// Whatever Periscope and its child processes create is their user's alone: the embedded engine
// writes the stored calls with the umask's mode, and so would a store socket, an export or an
// agent's settings file holding a gateway key. The data directory is owner-only too (data-dir.ts).
process.umask(0o077);

main(process.argv.slice(2)).catch((err: Error) => {
  const locked = err.name === 'StoreLockedError';
  const message = locked
    ? `${err.message}\nA running Periscope holds this data directory: use --url http://HOST:PORT with PERISCOPE_ADMIN_TOKEN instead.`
    : err.message;
  console.error(`periscope: ${message}`);
  process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
});
