/**
 * Periscope as users run it, through its CLI: `periscope start` (every role, embedded store),
 * and the distributed shape — `periscope ingest` (Kafka consumer, store, control plane) on the
 * others core and `periscope proxy` (the gateway, events to Kafka) on the gateway core. Logging
 * is always on; each start gets a fresh data directory, so the store holds exactly the run's calls.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { freePort, launch, type Launched } from '../launch.ts';
import { ensureCompiledCli, PERISCOPE_COMMAND, REPO_ROOT } from '../periscope-command.ts';
import { gatewayCoreNodeFlags, onAnyCore, onGatewayCore } from '../pinning.ts';
import { CLIENT_AUTH, type Environment, type LoggingProbe, type RunningSystem } from './system.ts';

/** Shared by the ingest and the proxies of one run, as the proxy role requires. */
const ADMIN_TOKEN = `pat_bench_${randomBytes(12).toString('hex')}`;
const SECRET = randomBytes(32).toString('hex');

const READY_TIMEOUT_MS = 120_000;

/** The config file: the OpenAI provider at the mock; with a topic, the Kafka settings both roles share. */
async function writeConfig(dir: string, mockUrl: string, topic?: string, idlePollMs?: number): Promise<string> {
  const path = join(dir, 'periscope.yaml');
  await writeFile(path, [
    'providers:',
    `  openai: { type: openai, base_url: ${mockUrl}/v1, api_key: sk-bench-configured-key }`,
    ...(topic ? ['kafka:', `  topic: ${topic}`, `  dead_letter_topic: ${topic}.dlq`] : []),
    ...(idlePollMs ? ['gateway:', `  idle_poll_ms: ${idlePollMs}`] : []),
    '',
  ].join('\n'));
  return path;
}

/** A fresh directory for one process of one run. */
async function processDir(env: Environment, name: string): Promise<string> {
  const dir = join(env.runDir, `${name}-${Date.now()}-${randomBytes(3).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** POST to Periscope's API with the admin token; the JSON answer, or an error with the refusal. */
async function api<T>(origin: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/** A gateway key for project "bench", created through the API as an operator would (it also makes the project known to the API). */
export async function createKey(apiOrigin: string): Promise<string> {
  return (await api<{ key: string }>(apiOrigin, '/api/keys', { project: 'bench', name: 'bench' })).key;
}

/** Rows in the store, counted by the store itself through the SQL API. */
export async function countRows(apiOrigin: string): Promise<number> {
  const answer = await api<{ data: Array<{ n: number | string }> }>(apiOrigin, '/api/sql', { sql: 'SELECT count() AS n FROM requests' });
  return Number(answer.data[0]?.n ?? NaN);
}

/** Counters that account for every call and event, summed over their labels. */
const COUNTER = /^(periscope_(proxy_requests|events_\w+|ingest_(inserted|consumed|dead_lettered|deduplicated|insert_failures))_total)(\{.*\})? (\S+)$/;

export async function readCounters(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = COUNTER.exec(line);
    if (m) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[5]);
  }
  return out;
}

/**
 * Values from one scrape of a Prometheus text exposition (first line of each exact name); missing
 * names are absent. One scrape for all: some gauges (event-loop delay) reset at each scrape.
 */
export async function readMetrics(metricsUrl: string, names: string[]): Promise<Record<string, number>> {
  const lines = (await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text()).split('\n');
  const out: Record<string, number> = {};
  for (const name of names) {
    const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    if (line !== undefined) out[name] = Number(line.split(' ').at(-1));
  }
  return out;
}

interface CliOptions {
  env: Environment;
  /** `start`, `proxy` or `ingest` and its options. */
  args: string[];
  port: number;
  dir: string;
  onGatewayCore: boolean;
  /** Every core (`taskset -c 0-N`) instead of the core inherited from the bench. */
  anyCore?: boolean;
  /** Up once /healthz answers at all: an ingest draining a backlog may report itself unhealthy meanwhile. */
  anyStatus?: boolean;
  /** Node flags for this process only (profiling the gateway), placed right after the node executable. */
  nodeFlags?: string[];
}

async function launchCli(o: CliOptions): Promise<Launched> {
  await ensureCompiledCli();
  const [node, ...bundle] = PERISCOPE_COMMAND;
  const rest = o.env.cli ? [o.env.cli] : bundle;
  const flags = [...(o.onGatewayCore ? gatewayCoreNodeFlags(o.env.pinning) : []), ...(o.nodeFlags ?? [])];
  const argv = { command: node!, args: [...flags, ...rest, ...o.args, '--port', String(o.port)] };
  const pinned = o.onGatewayCore ? onGatewayCore(o.env.pinning, argv.command, argv.args)
    : o.anyCore ? onAnyCore(o.env.pinning, argv.command, argv.args) : argv;
  return launch({
    ...pinned,
    cwd: REPO_ROOT,
    // The shipped background priority, whatever the caller's shell says (docs/deployment.md).
    env: { PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN, PERISCOPE_SECRET: SECRET, NODE_OPTIONS: undefined, PERISCOPE_CONFIG: undefined, PERISCOPE_BACKGROUND_PRIORITY: undefined },
    logFile: join(o.dir, 'periscope.log'),
    readyUrl: `http://127.0.0.1:${o.port}/healthz`,
    anyStatus: o.anyStatus,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
}

const periscopeTarget = (origin: string, key: string) => ({ origin, headers: { authorization: CLIENT_AUTH, 'periscope-auth': `Bearer ${key}` } });
/** How the run was launched, for the results: the command with the executable's path shortened. */
const commandText = (args: string[], nodeFlags: string[] = []) => `\`${[basename(PERISCOPE_COMMAND[0] ?? ''), ...nodeFlags, ...PERISCOPE_COMMAND.slice(1), ...args].join(' ')}\``;

/** `periscope start`: every role in one process tree, the embedded store in a fresh data dir. */
export async function startEmbedded(env: Environment): Promise<RunningSystem> {
  const dir = await processDir(env, 'start');
  const config = await writeConfig(dir, env.mockUrl);
  const port = await freePort();
  const args = ['start', '--data-dir', join(dir, 'data'), '--config', config];
  const gateway = await launchCli({ env, args, port, dir, onGatewayCore: true, nodeFlags: env.gatewayNodeFlags });
  const origin = `http://127.0.0.1:${port}`;
  try {
    const key = await createKey(origin);
    const logging: LoggingProbe = {
      rowsStored: () => countRows(origin),
      counters: () => readCounters(`${origin}/metrics`),
      gatewayMetricsUrl: `${origin}/metrics`,
    };
    return {
      name: 'start', label: commandText(['start', '--data-dir DIR', '--config FILE', '--port N'], gatewayCoreNodeFlags(env.pinning)),
      target: periscopeTarget(origin, key), gateway, childRole: 'store process', logging, helpers: [], stop: () => gateway.stop(),
    };
  } catch (err) {
    await gateway.stop();
    throw err;
  }
}

export interface IngestProcess {
  process: Launched;
  /** Its API and /metrics. */
  origin: string;
}

/**
 * `periscope ingest` on `topic` with a fresh store: Kafka consumer, API and the control plane.
 * Without `anyCore` it inherits the bench's core (the others core); with it, it may use every core.
 * With `backlog`, it counts as started once /healthz answers at all (draining, it may say 503).
 */
export async function startIngest(env: Environment, topic: string, o: { anyCore?: boolean; backlog?: boolean } = {}): Promise<IngestProcess> {
  const brokers = await env.kafkaBrokers();
  const dir = await processDir(env, 'ingest');
  const port = await freePort();
  const args = ['ingest', '--kafka', brokers, '--data-dir', join(dir, 'data'), '--config', await writeConfig(dir, env.mockUrl, topic)];
  const process = await launchCli({ env, args, port, dir, onGatewayCore: false, anyCore: o.anyCore, anyStatus: o.backlog, nodeFlags: env.ingestNodeFlags });
  env.pinning.background?.add(process.pid);
  return { process, origin: `http://127.0.0.1:${port}` };
}

/**
 * The distributed shape on one machine: a real broker, `periscope ingest` (store in a fresh data
 * dir, the control plane the proxy takes keys from) and `periscope proxy`, on a topic of their own.
 * With `idlePollMs`, the proxy's config sets `gateway.idle_poll_ms` (the `proxy-poll` row).
 */
export async function startProxyRole(env: Environment, idlePollMs?: number): Promise<RunningSystem> {
  const brokers = await env.kafkaBrokers();
  const topic = `periscope.bench.${Date.now()}`;
  const ingest = await startIngest(env, topic);
  const control = ingest.origin;
  try {
    // The key exists before the proxy starts, so its first key snapshot already holds it.
    const key = await createKey(control);
    const proxyDir = await processDir(env, 'proxy');
    const port = await freePort();
    const args = ['proxy', '--kafka', brokers, '--control-url', control, '--data-dir', join(proxyDir, 'data'), '--config', await writeConfig(proxyDir, env.mockUrl, topic, idlePollMs)];
    const gateway = await launchCli({ env, args, port, dir: proxyDir, onGatewayCore: true, nodeFlags: env.gatewayNodeFlags });
    const origin = `http://127.0.0.1:${port}`;
    const logging: LoggingProbe = {
      rowsStored: () => countRows(control),
      counters: async () => ({ ...(await readCounters(`${origin}/metrics`)), ...(await readCounters(`${control}/metrics`)) }),
      gatewayMetricsUrl: `${origin}/metrics`,
    };
    return {
      name: idlePollMs ? 'proxy-poll' : 'proxy',
      label: `${commandText(['proxy', '--kafka B', '--control-url URL', '--data-dir DIR', '--port N'], gatewayCoreNodeFlags(env.pinning))}${idlePollMs ? ` with \`gateway.idle_poll_ms: ${idlePollMs}\` in its config` : ''}, with ${commandText(['ingest', '--kafka B', '--data-dir DIR'])} and an Apache Kafka 4 broker (scripts/kafka${env.pinning.enabled ? ', under SCHED_IDLE' : ''})`,
      target: periscopeTarget(origin, key), gateway, childRole: 'shipper process', logging, kafkaTopic: topic,
      helpers: [{ role: 'periscope ingest', process: ingest.process }],
      // The proxy first, so its last events reach Kafka while the ingest still consumes.
      stop: async () => {
        await gateway.stop();
        await ingest.process.stop();
      },
    };
  } catch (err) {
    await ingest.process.stop();
    throw err;
  }
}
