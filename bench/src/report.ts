/**
 * The comparison table in issue 15's shape, the goals it sets, per-round values, where each
 * process ran; the profile summary; and where they are written: bench/results/ (JSON and
 * Markdown) and docs/benchmarks.md (between markers, so the hand-written text stays).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { cell, mb, ms, msPair, num, signedMs } from './format.ts';
import { REPO_ROOT } from './periscope-command.ts';
import type { ProcessPlacement } from './pinning.ts';
import { loadAverage1m } from './proc.ts';
import type { ProfileSummary } from './profile/cpuprofile.ts';
import type { ProfileResult } from './profile/profile-mode.ts';
import { COMMIT_GRACE_MS, INGEST_GOAL_EVENTS_PER_S, type IngestScenarioResult } from './scenarios/kafka-ingest.ts';
import type { StartupVariant } from './scenarios/startup.ts';
import { saturationShares, type SystemSummary, type RateSummary, type TtfbSummary } from './scenarios/summary.ts';
import type { RoundPlan, SystemRound } from './scenarios/system-round.ts';
import { isPeriscope, PROXY_POLL_MS, type SystemName } from './systems/system.ts';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  date: string;
  commit: string;
  /** 1-minute load average when the run started and ended: the machine is shared. */
  loadAverage: { start: number; end: number };
}

export function machineInfo(): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    // Results and docs change with every run; only code changes make a run's commit not what ran.
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results', ':!docs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (changed.trim()) commit += ' (with local changes)';
  } catch {
    // not a git checkout
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()}`,
    date: new Date().toISOString(),
    commit,
    loadAverage: { start: loadAverage1m(), end: NaN },
  };
}

export interface ComparisonReport {
  mode: 'quick' | 'full';
  machine: Machine;
  durationS: number;
  pinning: string;
  plan: RoundPlan;
  /** The order of the systems in each round. */
  orders: SystemName[][];
  turns: SystemRound[];
  summary: SystemSummary[];
  ingest?: IngestScenarioResult | { skipped: string };
}

const NAMES: Record<SystemName, string> = {
  direct: 'direct to mock',
  floor: 'platform floor (Fastify + undici relay, nothing else)',
  start: 'Periscope `start` (embedded chDB)',
  proxy: 'Periscope `proxy` role (Kafka)',
  'proxy-poll': `Periscope \`proxy\` role, \`idle_poll_ms: ${PROXY_POLL_MS}\` (opt-in)`,
  portkey: 'Portkey OSS',
  litellm: 'LiteLLM proxy',
};

/** A row's name: the system, with a peer's release (and LiteLLM's worker count, part of how it was run). */
const rowName = (s: { system: SystemName; version?: string }) =>
  `${NAMES[s.system]}${s.version ? ` ${s.version}` : ''}${s.system === 'litellm' ? ', 1 worker' : ''}`;

function rateCell(s: SystemSummary, r: RateSummary | undefined): string {
  if (!r || r.rounds === 0) return r?.notRun ? `— (${r.notRun.replace(/^not run: /, '')})` : '—';
  if (s.system === 'direct') return `(p50 / p99 ${msPair(r.p50Ms, r.p99Ms)} absolute)`;
  // A rate that ran in only some rounds (saturation was under half of it in the others) says so.
  const partial = r.rounds < s.measuredRounds ? ` (${r.rounds} of ${s.measuredRounds} rounds)` : '';
  if (r.overloaded) return `overloaded (p99 ${signedMs(r.addedP99Ms)})${partial}`;
  return `${msPair(r.addedP50Ms, r.addedP99Ms, true)}${partial}`;
}

function memoryCell(s: SystemSummary): string {
  if (s.system === 'direct') return '';
  const store = s.idle.storeBytes || s.atStreams.storeBytes ? `; ${s.system === 'start' ? 'store process' : 'Kafka shipper process'} ${mb(s.idle.storeBytes)} / ${mb(s.atStreams.storeBytes)}` : '';
  const helpers = Object.keys(s.idle.helpers).map((h) => `; ${h} ${mb(s.idle.helpers[h]!)} / ${mb(s.atStreams.helpers[h] ?? NaN)} (other core)`).join('');
  const later = s.atLaterStreams ? `, later waves ${mb(s.atLaterStreams.gatewayBytes)}` : '';
  return `${mb(s.idle.gatewayBytes)} / ${mb(s.atStreams.gatewayBytes)}${later}${beforeWave(s.beforeStreams?.gatewayBytes)}${store}${helpers}`;
}

/** The gateway's RSS when the streams phase began (results from before 2026-12-03 lack it). */
function beforeWave(bytes: number | undefined): string {
  return bytes !== undefined && Number.isFinite(bytes) ? ` (${mb(bytes)} before)` : '';
}

function loggingCell(s: SystemSummary): string {
  if (s.system === 'direct') return '';
  if (!s.logging) return isPeriscope(s.system) ? 'n/a' : '— (logs nothing durable)';
  const l = s.logging;
  const extra = l.extra ? `; ${num(l.extra)} more rows: calls the client gave up on (timeouts), logged by the gateway` : '';
  return `${num(l.answered)} / ${num(l.stored)} (missing ${num(l.missing)}${l.perRound.length > 1 ? `, per round ${l.perRound.map((g) => num(g)).join(', ')}` : ''}${extra})`;
}

function comparisonRow(s: SystemSummary, plan: RoundPlan): string[] {
  const name = rowName(s);
  if (s.skipped) return [name, cell(s.skipped), '', '', '', '', ''];
  const ttfbCell = (t: TtfbSummary) => (s.system === 'direct' ? `(p50 / p99 ${msPair(t.p50Ms, t.p99Ms)} absolute)`
    : `${msPair(t.addedP50Ms, t.addedP99Ms, true)}${t.errors ? ` (**${num(t.errors)} of ${num(t.streams)} failed**)` : ''}`);
  const ttfb = `${ttfbCell(s.ttfb)}${s.laterTtfb ? `; later wave ${ttfbCell(s.laterTtfb)}` : ''}`;
  return [
    name,
    num(s.saturationRps),
    ...plan.rates.map((rate) => rateCell(s, s.rates.find((r) => r.rate === rate))),
    ttfb,
    memoryCell(s),
    loggingCell(s),
  ];
}

export function ingestRow(i: ComparisonReport['ingest']): string {
  if (!i) return '';
  if ('skipped' in i) return `Ingest (Kafka → one \`periscope ingest\` → chDB): ${i.skipped}`;
  const c = i.counters;
  const stall = i.committedAll ? '' : ` **Offsets not committed**: every row was stored, but ${COMMIT_GRACE_S} s later the consumer group had committed ${num(i.committed)} of ${num(i.events)} `
    + `(consumed ${num(c.periscope_ingest_consumed_total ?? NaN)}, inserted ${num(c.periscope_ingest_inserted_total ?? NaN)}, deduplicated ${num(c.periscope_ingest_deduplicated_total ?? NaN)}: `
    + 'it re-read the backlog); the rate above is then from the store\'s count, polled every 2 s.';
  return `Ingest: Kafka → one \`periscope ingest\` → chDB: **${num(i.eventsPerSec)} events/s** (goal ≥ ${num(INGEST_GOAL_EVENTS_PER_S)}), `
    + `${num(i.events)} events of ${num(i.eventBytes.mean)} B mean (${num(i.recorded)} recorded from a \`periscope proxy\`, ${num(i.recordedStreamed)} of them streamed, `
    + `copied with fresh request ids) on ${i.partitions} partitions; ${num(i.stored)} rows stored; ${num(i.drainS, 1)} s from the ingest answering /healthz until every event was committed `
    + `(the first batch after ${num(i.firstCommitS, 1)} s), in ${num(i.inserts)} ClickHouse inserts; `
    + `${num(i.wallEventsPerSec)} events/s counting its ${num(i.startS, 1)} s start-up; ingest peak RSS ${mb(i.ingestPeakRssBytes)}; ${i.cores}; `
    + `/healthz while draining (probes a second): ${Object.entries(i.healthzWhileDraining).map(([k, v]) => `${k} × ${v}`).join(', ') || 'none'}; `
    + `the backlog was produced at ${num(i.produceEventsPerSec)} events/s.${stall}`;
}

const COMMIT_GRACE_S = COMMIT_GRACE_MS / 1000;

/** Issue 15's goals against this run's medians; what is missed says by how much. */
function goals(r: ComparisonReport): string[] {
  const by = (name: SystemName) => r.summary.find((s) => s.system === name && !s.skipped);
  const at = (s: SystemSummary | undefined, rate: number) => s?.rates.find((x) => x.rate === rate && x.rounds > 0);
  const check = (label: string, value: number, limit: number, unit: (n: number) => string, atMost: boolean): string => {
    if (!Number.isFinite(value)) return `- ${label}: not measured`;
    const met = atMost ? value <= limit : value >= limit;
    return `- ${label}: ${unit(value)} — ${met ? 'met' : `**missed** by ${unit(Math.abs(value - limit))}`}`;
  };
  const out: string[] = [];
  const proxy = by('proxy');
  const start = by('start');
  const p500 = at(proxy, 500);
  const p2000 = at(proxy, 2000);
  out.push(check('`proxy` added p50 at 500/s ≤ 0.3 ms', p500?.addedP50Ms ?? NaN, 0.3, ms, true));
  out.push(check('`proxy` added p99 at 500/s ≤ 1 ms', p500?.addedP99Ms ?? NaN, 1, ms, true));
  out.push(p2000?.overloaded ? '- `proxy` added p99 at 2,000/s ≤ 3 ms: **missed** (overloaded)'
    : check('`proxy` added p99 at 2,000/s ≤ 3 ms', p2000?.addedP99Ms ?? NaN, 3, ms, true));
  out.push(`${check('`proxy` saturation ≥ 6,000 req/s', proxy?.saturationRps ?? NaN, 6000, (n) => `${num(n)} req/s`, false)}${coresNote(proxy)}`);
  // The same latency goals for the proxy role with the opt-in polling (docs/deployment.md); the goals are the default's.
  const poll = by('proxy-poll');
  if (poll) {
    const label = `\`proxy\` with \`idle_poll_ms: ${PROXY_POLL_MS}\` (opt-in, not the goal's default)`;
    const q500 = at(poll, 500);
    const q2000 = at(poll, 2000);
    out.push(check(`${label} added p50 at 500/s ≤ 0.3 ms`, q500?.addedP50Ms ?? NaN, 0.3, ms, true));
    out.push(check(`${label} added p99 at 500/s ≤ 1 ms`, q500?.addedP99Ms ?? NaN, 1, ms, true));
    out.push(q2000?.overloaded ? `- ${label} added p99 at 2,000/s ≤ 3 ms: **missed** (overloaded)`
      : check(`${label} added p99 at 2,000/s ≤ 3 ms`, q2000?.addedP99Ms ?? NaN, 3, ms, true));
  }
  if (start && proxy) {
    const s500 = at(start, 500);
    // Judged round by round, as the added latencies are; the ratio of the medians is shown beside it.
    const shares = saturationShares(r.turns, 'start', 'proxy');
    const rounds = shares.perRound.length > 1 ? `, per round ${shares.perRound.map((v) => num(v)).join(' / ')} %` : '';
    out.push(`${check('`start` saturation within 20 % of `proxy` (≥ 80 % of it; median of each round\'s ratio)', shares.median, 80, (n) => `${num(n)} %`, false)}`
      + ` (${rounds.slice(2) || 'one round'}; ratio of the medians ${num(start.saturationRps / proxy.saturationRps * 100)} %)`);
    if (s500 && p500) out.push(check('`start` added p99 at 500/s within 20 % of `proxy` (≤ 120 % of it)', (s500.addedP99Ms / p500.addedP99Ms) * 100, 120, (n) => `${num(n)} %`, true));
  }
  if (start) out.push(check('`start` gateway RSS idle ≤ 150 MB', start.idle.gatewayBytes / 1e6, 150, (n) => `${num(n)} MB`, true));
  for (const s of [start, proxy, poll]) {
    if (!s) continue;
    const first = s.laterTtfb ? ' (the first wave after start)' : '';
    const later = r.plan.laterStreamCalls ? ` (later waves: the worst of ${r.plan.laterStreamCalls})` : ' (a later wave)';
    out.push(check(`\`${s.system}\` 1,000 streams added TTFB p99 ≤ 50 ms${first}`, s.ttfb.addedP99Ms, 50, ms, true));
    if (s.laterTtfb) out.push(check(`\`${s.system}\` 1,000 streams added TTFB p99 ≤ 50 ms${later}`, s.laterTtfb.addedP99Ms, 50, ms, true));
    out.push(check(`\`${s.system}\` gateway RSS at 1,000 streams ≤ 300 MB${s.atLaterStreams ? first : ''}`, s.atStreams.gatewayBytes / 1e6, 300, (n) => `${num(n)} MB`, true));
    if (s.atLaterStreams) out.push(check(`\`${s.system}\` gateway RSS at 1,000 streams ≤ 300 MB (later waves)`, s.atLaterStreams.gatewayBytes / 1e6, 300, (n) => `${num(n)} MB`, true));
    if (s.logging) out.push(check(`\`${s.system}\` every answered call has its row (missing 0; counts, not ids)`, s.logging.missing, 0, (n) => num(n), true));
  }
  if (r.ingest && !('skipped' in r.ingest)) {
    out.push(check('ingest ≥ 50,000 events/s', r.ingest.eventsPerSec, INGEST_GOAL_EVENTS_PER_S, (n) => `${num(n)} events/s`, false));
    if (!r.ingest.committedAll) out.push(`- ingest commits every offset of a backlog: **missed** (${num(r.ingest.committed)} of ${num(r.ingest.events)})`);
  }
  return out;
}

/** A core busy this much of a saturation run had no time left (/proc/stat's shares stop short of 100 %). */
const SATURATED_CORE_PCT = 95;

/** Which core set the pace of a system's saturation runs, when the results say. */
function coresNote(s: SystemSummary | undefined): string {
  const [gateway, others] = s?.saturationCoreBusy ?? [];
  if (gateway === undefined || others === undefined || !Number.isFinite(gateway)) return '';
  const limit = gateway < SATURATED_CORE_PCT && others >= SATURATED_CORE_PCT ? '; the other core was the limit, not the gateway\'s' : '';
  return ` (cores busy: the gateway's ${num(gateway)} %, the other ${num(others)} %, medians${limit})`;
}

function placementText(p: ProcessPlacement[]): string {
  return p.map((x) => `${x.role} pid ${x.pid}: ${Object.entries(x.threads).map(([cpu, n]) => `${n} thread${n === 1 ? '' : 's'} on ${cpu}`).join(', ') || 'gone'}`).join('; ');
}

function roundRows(r: ComparisonReport): string[] {
  const pct = (t: SystemRound, rate: number) => {
    const x = t.rates.find((y) => y.rate === rate);
    if (!x) return '';
    if (!x.result) return '—';
    const v = x.result;
    return `${msPair(v.latencyUs.p50 / 1000, v.latencyUs.p99 / 1000)}${v.ok < v.requests ? ` (${num(v.requests - v.ok)} failed)` : ''}`
      + `${v.listenOverflows ? `, ${num(v.listenOverflows)} listen overflows` : ''}`;
  };
  return r.turns.map((t) => [
    String(t.round), String(t.position + 1), NAMES[t.system],
    t.skipped ? cell(t.skipped) : t.saturation ? `${num(t.saturation.throughput)}${t.saturationCoreBusy ? ` (${t.saturationCoreBusy.map((p) => num(p)).join(' / ')} %)` : ''}` : 'failed',
    ...r.plan.rates.map((rate) => pct(t, rate)),
    [t.streams, t.laterStreams].flatMap((w) => (w ? [`${msPair(w.ttfbMs.p50, w.ttfbMs.p99)}${w.errors ? ` (${num(w.errors)} failed)` : ''}`] : [])).join('; '),
    t.idle && t.system !== 'direct' ? `${mb(t.idle.gatewayBytes)} / ${mb(t.atStreams?.gatewayBytes ?? NaN)}${t.atLaterStreams ? `; ${mb(t.atLaterStreams.gatewayBytes)}` : ''}${beforeWave(t.beforeStreams?.gatewayBytes)}` : '',
    t.logging ? `${num(t.logging.answered)} / ${num(t.logging.stored)}` : '',
    num(t.durationS),
  ]).map((row) => `| ${row.map(cell).join(' | ')} |`);
}

/**
 * Periscope's own time per call at the fixed rates, from its histograms (own-time.ts), per round:
 * what the gateway's code took, apart from its event loop's queue, the kernel and the other core.
 */
function ownTimeLines(r: ComparisonReport): string[] {
  const le = (ms: number) => (Number.isFinite(ms) ? `≤ ${num(ms, ms < 0.1 ? 3 : ms < 1 ? 2 : 1)}` : '> 50');
  const rows = r.turns.flatMap((t) => t.rates.filter((x) => x.ownTime).map((x) => {
    const o = x.ownTime!;
    return `| ${NAMES[t.system]} | ${t.round} | ${num(x.rate)}/s | ${le(o.request.p50LeMs)} / ${le(o.request.p99LeMs)} ms | ${le(o.relay.p50LeMs)} / ${le(o.relay.p99LeMs)} ms | ${num(o.calls)} |`;
  }));
  if (rows.length === 0) return [];
  return [
    '<details><summary>Periscope\'s own time per call at the fixed rates (its histograms on /metrics)</summary>',
    '',
    'Request side: arrival until the upstream attempts begin (`periscope_proxy_overhead_seconds`). Relay: the part of the answer the client waits on (the whole body here) reached the gateway until it was written to the client, with the call\'s event built and appended to the spool before it (`periscope_proxy_relay_overhead_seconds`). '
      + 'Neither includes the wait for the gateway\'s event loop, the upstream request\'s own building and sending, the kernel or the other core, which the client-side figures above do. Percentiles are bucket bounds (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 50 ms).',
    '',
    '| system | round | rate | request side p50 / p99 | relay p50 / p99 | calls |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '</details>',
    '',
  ];
}

export function comparisonMarkdown(r: ComparisonReport): string {
  const m = r.machine;
  const p = r.plan;
  const rounds = r.orders.length;
  const labels = [...new Map(r.turns.filter((t) => !t.skipped).map((t) => [t.system, t.label])).entries()];
  const lines = [
    `### Run ${m.date.slice(0, 16).replace('T', ' ')} UTC: \`pnpm bench${r.mode === 'quick' ? ' --quick' : ''}\`, ${rounds} round${rounds === 1 ? '' : 's'}, ${num(r.durationS / 60, 1)} min`,
    '',
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; commit ${m.commit}. `
      + `Load average (1 min) ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end${m.loadAverage.start > 1 || m.loadAverage.end > 1 ? ' (other work shared the machine: noisy; rerun on a quiet machine before trusting small differences)' : ''}.`,
    '',
    `Pinning: ${r.pinning}.`,
    '',
    `Load: vegeta v12.13.0. Saturation: closed loop (\`-rate=0\`, ${p.saturationWorkers} workers = connections, ${p.saturationS} s); `
      + `fixed rates: open loop (${p.rates.map((x) => `${num(x)}/s`).join(' and ')}, ${p.rateS} s each, \`-timeout=10s\`), skipped when the system's saturation in that round was under half the rate; `
      + `${num(p.streams)} concurrent SSE streams (the mock sends 10 chunks 20 ms apart; a warm-up wave opens the connections, then a measured wave${p.laterStreams ? `, the first after start; then the same again ${p.laterStreamCalls ? `${p.laterStreamCalls} times (once for a system whose first wave's p99 is over 5 s), the later wave with the worst p99 reported` : 'once, for a later wave'}, on a gateway that has streamed before` : ''}; TTFB = request sent → first body byte). `
      + `Each system is started fresh for each round (fresh data dir) and warmed up (${p.warmUpS} s closed loop, 8 workers). `
      + `"Added" = the system's percentile minus direct-to-mock's in the same round; the table shows medians over rounds. `
      + (p.streamsFirst
        ? `Phases: warm-up, idle RSS, streams, saturation, fixed rates. RSS idle: after the warm-up, before load; at streams: the peak while the measured streams were open${p.laterStreamCalls ? ' (the first wave; then the later ones)' : p.laterStreams ? ' (both waves)' : ''}, and in parentheses the RSS when the streams phase began. `
        : 'Phases: warm-up, idle RSS, saturation, fixed rates, streams. RSS idle: after the warm-up, before load; at streams: the peak while the measured streams were open, and in parentheses the RSS when the streams phase began (what the fixed-rate runs left: an overloaded gateway holds thousands of queued calls and their connections). ')
      + `Calls answered vs rows stored: every call that got an HTTP status (warm-up included) against \`SELECT count() FROM requests\` in the system's fresh store, after waiting for it to catch up.`,
    '',
    `Order per round: ${r.orders.map((o, i) => `${i + 1}: ${o.join(' → ')}`).join('; ')}.`,
    '',
    `| system (1 core), medians of ${rounds} round${rounds === 1 ? '' : 's'} | saturation req/s | ${p.rates.map((x) => `added p50 / p99 at ${num(x)}/s`).join(' | ')} | ${num(p.streams)} SSE streams: added TTFB p50 / p99${p.laterStreams ? ` (first wave after start; ${p.laterStreamCalls ? 'later waves' : 'a later wave'})` : ''} | RSS idle / at streams (gateway; its store or shipper process separately) | calls answered / rows stored |`,
    `|---|---|${p.rates.map(() => '---|').join('')}---|---|---|`,
    ...r.summary.map((s) => `| ${comparisonRow(s, p).map(cell).join(' | ')} |`),
    '',
    ingestRow(r.ingest),
    '',
    '**Issue 15 goals** (this run):',
    '',
    ...goals(r),
    '',
    'Systems as run:',
    '',
    ...labels.map(([name, label]) => `- ${NAMES[name]}: ${label}`),
    '',
    'Where each process ran (first measured round):',
    '',
    ...[...new Map(r.turns.filter((t) => t.placement.length > 0).map((t) => [t.system, t.placement])).entries()]
      .map(([name, pl]) => `- ${NAMES[name]}: ${placementText(pl)}`),
    '',
    ...ownTimeLines(r),
    '<details><summary>Per round (absolute latencies)</summary>',
    '',
    `| round | position | system | saturation req/s (cores busy) | ${p.rates.map((x) => `${num(x)}/s p50 / p99`).join(' | ')} | streams TTFB p50 / p99${p.laterStreams ? ' (first; later)' : ''} | RSS idle / streams | answered / stored | turn s |`,
    `|---|---|---|---|${p.rates.map(() => '---|').join('')}---|---|---|---|`,
    ...roundRows(r),
    '',
    '</details>',
  ];
  const failures = r.summary.flatMap((s) => s.failures.map((f) => `- ${NAMES[s.system]}, ${f}`));
  if (failures.length) lines.push('', 'Failures:', '', ...failures.map(cell));
  return `${lines.join('\n')}\n`;
}

/** A main thread's sampled time: idle share, self time by owner, and the top functions. */
function mainThreadMarkdown(s: ProfileSummary, scope: string): string {
  return [
    `Main thread, ${scope}: ${num(s.windowMs / 1000, 1)} s sampled, idle ${num(s.idlePercent, 1)} %. Self time by owner:`,
    '',
    s.groups.filter((g) => g.group !== '(idle)').slice(0, 15).map((g) => `${g.group} ${num(g.percent, 1)} %`).join(' · '),
    '',
    `| # | function | where | self % |`,
    `|---|---|---|---|`,
    ...s.top.map((f, i) => `| ${i + 1} | ${cell(f.function)} | ${cell(f.location || f.group)} | ${num(f.percent, 1)} |`),
  ].join('\n');
}

/** `--profile ingest`: the ingest scenario's result, then its consumer's main thread. */
export function ingestProfileMarkdown(date: string, result: IngestScenarioResult | { skipped: string }, profile: ProfileSummary | undefined, profileDir: string): string {
  const lines = [`### Profile of \`periscope ingest\` draining a backlog (${date.slice(0, 16).replace('T', ' ')} UTC)`, '', ingestRow(result), ''];
  lines.push(profile ? mainThreadMarkdown(profile, 'over its whole life (start-up and the drain included)') : `No profile of the ingest process was found in ${profileDir}.`);
  lines.push('', `Raw profile: \`${profileDir.replace(REPO_ROOT, '')}\` (open in Chrome DevTools or speedscope).`);
  return `${lines.join('\n')}\n`;
}

export function profileMarkdown(p: ProfileResult): string {
  const s = p.profile;
  const lines = [
    `### Profile of \`${p.system}\` at ${num(p.rate)}/s for ${p.seconds} s (${p.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `${p.label}. vegeta: ${num(p.load.ok)} of ${num(p.load.requests)} ok, latency p50 / p99 ${msPair(p.load.latencyUs.p50 / 1000, p.load.latencyUs.p99 / 1000)}, max ${ms(p.load.latencyUs.max / 1000)}. `
      + `Gateway process CPU ${num(p.gatewayCpuPercent)} % of its core${p.eventLoopDelayMs ? `; event-loop delay p99 ${ms(p.eventLoopDelayMs.p99)}, max ${ms(p.eventLoopDelayMs.max)} (prom-client's monitorEventLoopDelay, 10 ms resolution)` : ''}.`,
    '',
    `Processes: ${placementText(p.placement)}.`,
    '',
  ];
  if (p.cpuByProcess.length > 0) {
    lines.push(
      'CPU per call answered in the window, every process of the run (vegeta aside; the gateway is alone on its core, everything else shares the other):',
      '',
      '| process | µs per call, all threads | main thread |',
      '|---|---|---|',
      ...p.cpuByProcess.map((c) => `| ${cell(c.role)} | ${num(c.usPerCall)} | ${num(c.mainThreadUsPerCall)} |`),
      '',
    );
  }
  if (p.gc) {
    lines.push(`GC (main thread pauses, --trace-gc): ${num(p.gc.count)} collections, ${ms(p.gc.totalPauseMs)} in total (${num((100 * p.gc.totalPauseMs) / (p.seconds * 1000), 1)} % of the window), longest ${ms(p.gc.maxPauseMs)}; `
      + `${Object.entries(p.gc.byKind).map(([k, v]) => `${k} ${num(v.count)} × (${ms(v.pauseMs)})`).join(', ')}.`, '');
  }
  if (!s) {
    lines.push(`No profile of the gateway process was found in ${p.profileDir}.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(mainThreadMarkdown(s, s.windowed ? 'the load window only' : '**whole process life** (no sample fell in the load window)'));
  for (const o of p.otherProfiles) {
    lines.push('', `Process ${o.pid} (below the gateway): ${num(o.summary.windowMs / 1000, 1)} s sampled, idle ${num(o.summary.idlePercent, 1)} %; top: `
      + o.summary.top.slice(0, 8).map((f) => `${cell(f.function)} (${cell(f.location)}) ${num(f.percent, 1)} %`).join(', '));
  }
  lines.push('', `Raw profiles: \`${p.profileDir.replace(REPO_ROOT, '')}\` (open in Chrome DevTools or speedscope).`);
  return `${lines.join('\n')}\n`;
}

const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
/** `--only startup`: one row per way of running `periscope start`, medians. */
export function startupMarkdown(variants: StartupVariant[], m: Machine, runs: number, idleMs: number): string {
  // tsx's esbuild service, when one was still running below the gateway once idle.
  const compiler = variants.some((v) => v.median.compilerBytes > 0);
  const rows = variants.map((v) => `| ${v.name}: \`${v.command} start\` | ${ms(v.median.readyMs)} | ${mb(v.median.gatewayBytes)} | ${mb(v.median.storeBytes)} |${compiler ? ` ${mb(v.median.compilerBytes)} |` : ''}`);
  return [
    `### Start-up and idle memory (${m.date.slice(0, 16).replace('T', ' ')} UTC, \`pnpm bench --only startup\`, commit ${m.commit})`,
    '',
    `Medians of ${runs} starts each on a fresh data directory, alternated, after one unmeasured start each; ${m.cores} cores, `
      + `Node ${m.node}, not pinned, load average ${m.loadAverage.start} → ${m.loadAverage.end}. Start-up: from spawn to \`/healthz\` `
      + `answering 200 (probed every 10 ms). Memory: resident set ${idleMs / 1000} s after that, with no traffic.`,
    '',
    `| \`periscope start\` | start-up | gateway process RSS | store process RSS |${compiler ? " tsx's esbuild service RSS |" : ''}`,
    `|---|---|---|---|${compiler ? '---|' : ''}`,
    ...rows,
    '',
  ].join('\n');
}

const DOCS = join(REPO_ROOT, 'docs', 'benchmarks.md');

/** Writes `<name>.json` and `<name>.md` under bench/results/. */
export async function writeResults(name: string, json: unknown, md: string): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const files = [join(RESULTS_DIR, `${name}.json`), join(RESULTS_DIR, `${name}.md`)];
  await writeFile(files[0]!, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(files[1]!, md);
  return files;
}

/** Replaces the text between `<!-- bench:SECTION -->` and `<!-- /bench:SECTION -->` in docs/benchmarks.md (appends the section when missing). */
export async function updateDocs(section: string, md: string): Promise<string> {
  const open = `<!-- bench:${section} -->`;
  const close = `<!-- /bench:${section} -->`;
  const text = await readFile(DOCS, 'utf8').catch(() => '# Benchmarks\n');
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  const next = a >= 0 && b > a
    ? `${text.slice(0, a + open.length)}\n${md}${text.slice(b)}`
    : `${text.trimEnd()}\n\n${open}\n${md}${close}\n`;
  await mkdir(join(REPO_ROOT, 'docs'), { recursive: true });
  await writeFile(DOCS, next);
  return DOCS;
}
