/**
 * `pnpm bench`: Periscope (`start`, and the `proxy` role with Kafka and `periscope ingest`),
 * Portkey and LiteLLM side by side with direct-to-mock, each gateway a real process pinned to
 * core 0 with everything else on core 1, systems alternated over rounds, medians reported; then
 * Kafka → `periscope ingest` → chDB. See docs/benchmarks.md for every mode.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AGENT_BODY_BYTES, agentBody } from './agent-body.ts';
import { agentMarkdown } from './agent-report.ts';
import type { CacheBenchResult } from './cache-child.ts';
import { startChild } from './child-protocol.ts';
import { createEnvironment } from './environment.ts';
import { ms } from './format.ts';
import type { IngestChildResult } from './ingest-child.ts';
import { killAllLaunched } from './launch.ts';
import { REPO_ROOT } from './periscope-command.ts';
import { loadAverage1m } from './proc.ts';
import { summarizeProfile, type CpuProfile } from './profile/cpuprofile.ts';
import { profileMode, type ProfiledSystem } from './profile/profile-mode.ts';
import { comparisonMarkdown, ingestProfileMarkdown, ingestRow, machineInfo, profileMarkdown, startupMarkdown, updateDocs, writeResults, type ComparisonReport } from './report.ts';
import { AGENT_SYSTEMS, agentPlan, agentTurn, type AgentTurn } from './scenarios/agent-requests.ts';
import { kafkaIngest, type IngestScenarioResult } from './scenarios/kafka-ingest.ts';
import { pairedBuilds, pairedMarkdown, type PairedPlan } from './scenarios/paired-builds.ts';
import { startupScenario } from './scenarios/startup.ts';
import { summarize } from './scenarios/summary.ts';
import { roundPlan, systemRound, type SystemRound } from './scenarios/system-round.ts';
import { storeMarkdown } from './store-report.ts';
import { startEmbedded, startProxyRole } from './systems/periscope.ts';
import { startFloor, startLitellm, startPortkey } from './systems/peers.ts';
import { CLIENT_AUTH, isPeriscope, PROXY_POLL_MS, SYSTEM_NAMES, type SystemName, type SystemStarter } from './systems/system.ts';
import { vegetaBinary } from './vegeta.ts';

// The tools' cache (go builds, the LiteLLM venv, profiles) under .periscope/, which is also the default data
// directory of `periscope start`: owner-only, as it wants one (docs/security.md); nothing changes if it exists.
await mkdir(join(REPO_ROOT, '.periscope'), { recursive: true, mode: 0o700 });

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    // Comma-separated subset of SYSTEM_NAMES; direct is always measured (every "added" figure needs it).
    systems: { type: 'string' },
    // `store` (in-process ingest + UI queries), `cache` (response-cache lookups), `ingest` (Kafka → periscope ingest → chDB),
    // `startup` (periscope start from source through tsx vs compiled: time to /healthz, idle memory),
    // `agent` (agent-sized requests through direct, start and proxy, CPU per call of every process).
    only: { type: 'string' },
    'ingest-events': { type: 'string' },
    docs: { type: 'boolean' },
    profile: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    'no-trace-gc': { type: 'boolean', default: false },
    // Keep the run directory (every process's log and data dir) for a look afterwards.
    keep: { type: 'boolean', default: false },
    // A comparison's results JSON: its Markdown again, with this version of the report (and --docs).
    render: { type: 'string' },
    // `--only paired`: the two CLI bundles (paths under the repository), how many pairs of streams calls, and how
    // many pairs each start of the two gateways serves (default: all of them).
    builds: { type: 'string' },
    pairs: { type: 'string' },
    'restart-every': { type: 'string' },
  },
});
const quick = values.quick ?? false;
/** How long a started Periscope sits idle before its memory is read (`--only startup`). */
const IDLE_MS = 5000;
const t0 = performance.now();
const log = (msg: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

function positive(name: string, value: string | undefined, fallback: number): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

const STARTERS: Record<SystemName, SystemStarter> = {
  direct: async (env) => ({
    name: 'direct', label: `the mock itself (bench/mock-upstream, Go, at ${env.mockUrl})`, target: { origin: env.mockUrl, headers: { authorization: CLIENT_AUTH } },
    childRole: 'gateway worker', helpers: [], stop: async () => {},
  }),
  floor: startFloor,
  start: startEmbedded,
  proxy: (env) => startProxyRole(env),
  'proxy-poll': (env) => startProxyRole(env, PROXY_POLL_MS),
  portkey: startPortkey,
  litellm: startLitellm,
};

function selectedSystems(): SystemName[] {
  if (!values.systems) return [...SYSTEM_NAMES];
  const asked = values.systems.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of asked) if (!SYSTEM_NAMES.includes(s as SystemName)) throw new Error(`--systems: unknown ${s} (known: ${SYSTEM_NAMES.join(', ')})`);
  return SYSTEM_NAMES.filter((s) => s === 'direct' || asked.includes(s));
}

const ingestEvents = () => positive('ingest-events', values['ingest-events'], quick ? 100_000 : 500_000);
const stamp = (date: string) => date.replace(/[:.]/g, '-');

async function comparison(withIngest: boolean, systems: SystemName[]) {
  const machine = machineInfo();
  const plan = roundPlan(quick);
  const rounds = positive('rounds', values.rounds, quick ? 1 : 3);
  const run = await createEnvironment(log, { pin: true, keepRunDir: values.keep });
  log(`${quick ? 'quick' : 'full'} run: ${rounds} round(s) of ${systems.join(', ')}; ${run.env.pinning.note}; load average ${machine.loadAverage.start}`);
  log(`vegeta ${await vegetaBinary()}`);
  const turns: SystemRound[] = [];
  const orders: SystemName[][] = [];
  let ingest: ComparisonReport['ingest'];
  try {
    for (let r = 0; r < rounds; r++) {
      // Rotated each round, so no system always runs first (cold machine) or last (after the others' heat).
      const order = systems.map((_, i) => systems[(i + r) % systems.length]!);
      orders.push(order);
      for (const [position, name] of order.entries()) {
        log(`round ${r + 1}/${rounds}, ${position + 1}/${order.length}: ${name}`);
        turns.push(await systemRound(name, STARTERS[name], run.env, plan, r + 1, position));
      }
    }
    if (withIngest) {
      log('ingest: Kafka → one periscope ingest → chDB');
      ingest = await kafkaIngestOrSkip(run.env);
    }
  } finally {
    await run.close();
  }
  machine.loadAverage.end = loadAverage1m();
  const report: ComparisonReport = {
    mode: quick ? 'quick' : 'full', machine, durationS: (performance.now() - t0) / 1000, pinning: run.env.pinning.note,
    plan, orders, turns, summary: summarize(turns, plan.rates), ingest,
  };
  const md = comparisonMarkdown(report);
  console.log(`\n${md}`);
  const files = await writeResults(stamp(machine.date), report, md);
  await writeResults('latest', report, md);
  const docs = values.docs ?? !quick;
  if (docs) files.push(await updateDocs('comparison', md));
  log(`wrote ${files.join(', ')}${docs ? '' : ' (docs/benchmarks.md is updated by full runs, or with --docs)'}`);
  const periscopeTrouble = report.summary.some((s) => isPeriscope(s.system) && (s.failures.length > 0 || (s.logging?.missing ?? 0) > 0));
  if (periscopeTrouble) process.exitCode = 1;
}

async function kafkaIngestOrSkip(env: Parameters<typeof kafkaIngest>[0]): Promise<IngestScenarioResult | { skipped: string }> {
  try {
    const result = await kafkaIngest(env, ingestEvents());
    log(`    ${result.events} events: ${result.eventsPerSec.toFixed(0)} events/s (${result.drainS.toFixed(1)} s), ${result.stored} rows stored, `
      + `${result.committedAll ? 'every offset committed' : `only ${result.committed} offsets committed`}`);
    return result;
  } catch (err) {
    const skipped = `failed: ${err instanceof Error ? err.message : String(err)}`;
    log(`    ingest ${skipped}`);
    return { skipped };
  }
}

async function ingestOnly() {
  const machine = machineInfo();
  const run = await createEnvironment(log, { pin: true, keepRunDir: values.keep });
  let result: IngestScenarioResult | { skipped: string };
  try {
    result = await kafkaIngestOrSkip(run.env);
  } finally {
    await run.close();
  }
  const md = `### Ingest only (${machine.date.slice(0, 16).replace('T', ' ')} UTC, load average ${machine.loadAverage.start} → ${loadAverage1m()}, commit ${machine.commit})\n\n${ingestRow(result)}\n`;
  console.log(`\n${md}`);
  await writeResults(`ingest-${stamp(machine.date)}`, { machine, result }, md);
}

/** A scenario that runs in a bench child process of its own (a chDB store, a Redis client) and answers `finish`. */
async function childScenario<T>(file: string): Promise<T> {
  const child = await startChild(file, [quick ? 'quick' : 'full']);
  try {
    return (await child.finish()).extra as unknown as T;
  } finally {
    await child.stop();
  }
}

async function storeOnly() {
  log('ingest (in-process queue → chDB), log-page and overview queries, in a child with a store of its own');
  const store = await childScenario<IngestChildResult>('./ingest-child.ts');
  const machine = machineInfo();
  const md = storeMarkdown(store, `### Store (${machine.date.slice(0, 16).replace('T', ' ')} UTC, \`pnpm bench --only store${quick ? ' --quick' : ''}\`, ${machine.cores} cores, Node ${machine.node})`);
  console.log(`\n${md}`);
  await writeResults(`store-${stamp(machine.date)}`, { machine, store }, md);
}

async function cacheOnly() {
  log('response-cache hit lookup (memory and Redis backends), in a child of its own');
  const cache = await childScenario<CacheBenchResult>('./cache-child.ts');
  for (const c of cache.timings) log(`    ${c.label}: p50 ${ms(c.latencyMs.p50)}, p99 ${ms(c.latencyMs.p99)} (${c.lookups} lookups)`);
  if (cache.redisSkipped) log(`    Redis ${cache.redisSkipped}`);
}

/**
 * `--profile ingest`: the ingest scenario (`--only ingest`) with `--cpu-prof` on `periscope
 * ingest`; the drain's ingest is the last one the scenario starts (the first serves the proxy
 * that records the events).
 */
async function profileIngest() {
  const date = new Date().toISOString();
  const profileDir = join(REPO_ROOT, '.periscope', 'bench-profiles', `ingest-${stamp(date)}`);
  await mkdir(profileDir, { recursive: true });
  const run = await createEnvironment(log, { pin: true, keepRunDir: values.keep });
  run.env.ingestNodeFlags = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  let result: IngestScenarioResult | { skipped: string };
  try {
    result = await kafkaIngestOrSkip(run.env);
  } finally {
    await run.close();
  }
  // Named CPU.<date>.<time>.<pid>…: the last in name order is the last started.
  const last = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  const summary = last ? summarizeProfile(JSON.parse(await readFile(join(profileDir, last), 'utf8')) as CpuProfile, 25) : undefined;
  const md = ingestProfileMarkdown(date, result, summary, profileDir);
  console.log(`\n${md}`);
  const files = await writeResults(`profile-ingest-${stamp(date)}`, { date, result, profile: summary }, md);
  log(`wrote ${files.join(', ')}`);
}

async function profile(system: string) {
  if (system === 'ingest') return profileIngest();
  if (system !== 'start' && system !== 'proxy') throw new Error(`--profile: start, proxy or ingest, not ${system}`);
  const result = await profileMode({
    system: system as ProfiledSystem,
    rate: positive('rate', values.rate, 1000),
    seconds: positive('seconds', values.seconds, 20),
    traceGc: !values['no-trace-gc'],
    top: 25,
  }, log);
  const md = profileMarkdown(result);
  console.log(`\n${md}`);
  const files = await writeResults(`profile-${system}-${stamp(result.date)}`, result, md);
  if (values.docs ?? true) files.push(await updateDocs(`profile-${system}`, md));
  log(`wrote ${files.join(', ')}`);
}

async function startupOnly() {
  const machine = machineInfo();
  const runs = positive('rounds', values.rounds, quick ? 2 : 5);
  log(`periscope start, from source through tsx and compiled: ${runs} runs each, load average ${machine.loadAverage.start}`);
  const variants = await startupScenario(runs, IDLE_MS, log);
  machine.loadAverage.end = loadAverage1m();
  const md = startupMarkdown(variants, machine, runs, IDLE_MS);
  console.log(`\n${md}`);
  const files = await writeResults(`startup-${stamp(machine.date)}`, { machine, variants }, md);
  if (values.docs ?? !quick) files.push(await updateDocs('startup', md));
  log(`wrote ${files.join(', ')}`);
}

async function agentOnly() {
  const machine = machineInfo();
  const plan = agentPlan(quick, values.rounds === undefined ? undefined : positive('rounds', values.rounds, 1));
  const body = agentBody(AGENT_BODY_BYTES);
  const run = await createEnvironment(log, { pin: true, keepRunDir: values.keep });
  log(`agent-sized requests (${Buffer.byteLength(body)} bytes): ${plan.rounds} round(s) of ${AGENT_SYSTEMS.join(', ')} at ${plan.rates.join(' and ')}/s; ${run.env.pinning.note}`);
  const turns: AgentTurn[] = [];
  try {
    for (let r = 0; r < plan.rounds; r++) {
      // Rotated each round, as in the comparison.
      for (let i = 0; i < AGENT_SYSTEMS.length; i++) {
        const name = AGENT_SYSTEMS[(i + r) % AGENT_SYSTEMS.length]!;
        log(`round ${r + 1}/${plan.rounds}: ${name}`);
        turns.push(await agentTurn(name, STARTERS[name], run.env, plan, body, r + 1));
      }
    }
  } finally {
    await run.close();
  }
  machine.loadAverage.end = loadAverage1m();
  const report = { machine, plan, bodyBytes: Buffer.byteLength(body), pinning: run.env.pinning.note, turns };
  const md = agentMarkdown(report);
  console.log(`\n${md}`);
  const files = await writeResults(`agent-${stamp(machine.date)}`, report, md);
  if (values.docs ?? !quick) files.push(await updateDocs('agent', md));
  log(`wrote ${files.join(', ')}`);
  if (turns.some((t) => t.failure || (t.logging && t.logging.stored < t.logging.answered))) process.exitCode = 1;
}

async function pairedOnly() {
  const builds = (values.builds ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (builds.length !== 2) throw new Error('--only paired needs --builds A,B: two CLI bundles, each in a build directory at the repository\'s root (e.g. dist-base/periscope.mjs,dist/periscope.mjs)');
  for (const b of builds) {
    if (!existsSync(join(REPO_ROOT, b))) throw new Error(`--builds: ${b} not found under the repository`);
  }
  const pairs = positive('pairs', values.pairs, quick ? 4 : 16);
  // An even count balances the order (A first in half the pairs).
  // Even, as the pairs: each start's pairs balance the order too.
  const every = values['restart-every'] === undefined ? 0 : positive('restart-every', values['restart-every'], 0);
  const plan: PairedPlan = { builds: [builds[0]!, builds[1]!], pairs: pairs + (pairs % 2), streams: 1000, warmUpS: 5, restartEvery: every + (every % 2) };
  const machine = machineInfo();
  const run = await createEnvironment(log, { pin: true, keepRunDir: values.keep });
  log(`paired builds: A ${plan.builds[0]}, B ${plan.builds[1]}, ${plan.pairs} pairs${plan.restartEvery ? `, both started afresh every ${plan.restartEvery}` : ''}; ${run.env.pinning.note}`);
  let result;
  try {
    result = await pairedBuilds(run.env, plan);
  } finally {
    await run.close();
  }
  const md = pairedMarkdown(plan, result.pairs, result.summary, `${machine.date.slice(0, 16).replace('T', ' ')} UTC, load average ${machine.loadAverage.start} → ${loadAverage1m()}, commit ${machine.commit}`);
  console.log(`\n${md}`);
  log(`wrote ${(await writeResults(`paired-${stamp(machine.date)}`, { machine, plan, ...result }, md)).join(', ')}`);
}

async function render(file: string) {
  const report = JSON.parse(await readFile(file, 'utf8')) as ComparisonReport;
  report.summary = summarize(report.turns, report.plan.rates);
  const md = comparisonMarkdown(report);
  await writeFile(file.replace(/\.json$/, '.md'), md);
  if (values.docs) await updateDocs('comparison', md);
  console.log(md);
}

async function main() {
  process.on('SIGINT', () => {
    killAllLaunched();
    process.exit(130);
  });
  if (values.render) return render(values.render);
  if (values.profile) return profile(values.profile);
  if (values.only === 'store') return storeOnly();
  if (values.only === 'cache') return cacheOnly();
  if (values.only === 'ingest') return ingestOnly();
  if (values.only === 'startup') return startupOnly();
  if (values.only === 'agent') return agentOnly();
  if (values.only === 'comparison') return comparison(false, selectedSystems());
  if (values.only === 'paired') return pairedOnly();
  if (values.only !== undefined) throw new Error(`--only: unknown ${values.only} (known: store, cache, ingest, startup, agent, comparison, paired)`);
  return comparison(!values.systems, selectedSystems());
}

main().catch((err: unknown) => {
  killAllLaunched();
  console.error(err);
  process.exitCode = 1;
});
