/**
 * `pnpm bench [--quick]`: every scenario in one invocation, each Periscope measurement next to a
 * direct-to-mock baseline taken moments before on the same machine, so results read as ratios and
 * differences rather than absolute numbers that depend on the box.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild, type ChildHandle } from './child-protocol.ts';
import { closedLoop, type Target } from './load.ts';
import type { CacheBenchResult } from './cache-child.ts';
import type { IngestChildResult } from './ingest-child.ts';
import { PEER_NAMES, startLitellm, startPortkey, type PeerName, type StartedPeer } from './peers.ts';
import { markdown, machineInfo, storeRows, updateReadme, writeResults, type BenchReport } from './report.ts';
import type { BenchContext } from './scenarios/context.ts';
import { mockCeiling } from './scenarios/mock-ceiling.ts';
import { overhead } from './scenarios/overhead.ts';
import { measurePeer, type PeerResult } from './scenarios/peers.ts';
import { streaming } from './scenarios/streaming.ts';
import { maxThroughput } from './scenarios/throughput.ts';
import { wrkSaturation } from './scenarios/wrk-saturation.ts';
import { autocannonLatency } from './scenarios/autocannon-latency.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-readme': { type: 'boolean', default: false },
    // Comma-separated peer gateways to compare with; default portkey in quick mode, portkey,litellm in full mode.
    peers: { type: 'string' },
    // `store`: only the ingest and store-query scenario (1M rows: log pages and the overview), README untouched.
    only: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const peerNames = (values.peers ?? (quick ? 'portkey' : 'portkey,litellm')).split(',').map((p) => p.trim()).filter(Boolean);
for (const p of peerNames) {
  if (!PEER_NAMES.includes(p as PeerName)) throw new Error(`--peers: unknown peer ${p} (known: ${PEER_NAMES.join(', ')})`);
}
const resultsDir = fileURLToPath(new URL('../results', import.meta.url));
const readme = fileURLToPath(new URL('../../README.md', import.meta.url));

const log = (msg: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const t0 = performance.now();

/** Ingest, log-page and overview queries at each table size, then Kafka → chDB, in a child holding a chDB store of its own. */
async function storeScenario(children: Array<Pick<ChildHandle, 'stop'>>): Promise<IngestChildResult> {
  const ingestChild = await startChild('./ingest-child.ts', [quick ? 'quick' : 'full']);
  children.push(ingestChild);
  const store = (await ingestChild.finish()).extra as unknown as IngestChildResult;
  await ingestChild.stop();
  log(`    ${store.ingest.rowsInserted} events in ${store.ingest.durationS.toFixed(1)} s: ${store.ingest.eventsPerSec.toFixed(0)} events/s`);
  for (const qs of store.queries) {
    for (const q of [...qs.timings, ...qs.overview]) log(`    ${qs.tableRows} rows, ${q.label}: ${q.medianMs.toFixed(1)} ms`);
  }
  log(typeof store.kafka === 'string' ? `    Kafka → chDB ${store.kafka}`
    : `    Kafka → chDB: ${store.kafka.events} events drained at ${store.kafka.consumeEventsPerSec.toFixed(0)} events/s`);
  return store;
}

async function storeOnly() {
  const children: Array<Pick<ChildHandle, 'stop'>> = [];
  log('ingest (in-process queue → chDB), log-page and overview queries, in a child with a store of its own');
  const store = await storeScenario(children);
  const machine = machineInfo();
  const table = [
    `Run ${machine.date.slice(0, 19).replace('T', ' ')} UTC, \`pnpm bench --only store${quick ? ' --quick' : ''}\`: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}.`,
    '',
    '| Scenario | Direct to mock | Through Periscope | Periscope vs direct |',
    '|---|---|---|---|',
    ...storeRows(store).map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  console.log(`\n${table}\n`);
}

async function main() {
  if (values.only === 'store') return storeOnly();
  if (values.only !== undefined) throw new Error(`--only: unknown scenario ${values.only} (known: store)`);
  const machine = machineInfo();
  const children: Array<Pick<ChildHandle, 'stop'>> = [];
  const stopAll = () => Promise.all(children.map((c) => c.stop()));
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const mock = await startChild('./mock-child.ts');
    children.push(mock);
    const gateway = await startChild('./gateway-child.ts', [mock.url]);
    children.push(gateway);
    log(`mock ${mock.url} (pid ${mock.pid}), periscope ${gateway.url} (pid ${gateway.pid}), ${quick ? 'quick' : 'full'} mode`);

    // Same provider key and body on both paths; only the gateway key header differs.
    const auth = { authorization: 'Bearer sk-bench-client-key-0123456789' };
    const direct: Target = { name: 'direct', origin: mock.url, headers: auth };
    const periscope: Target = { name: 'periscope', origin: gateway.url, headers: { ...auth, 'periscope-auth': `Bearer ${String(gateway.info.key)}` } };
    const ctx: BenchContext = { quick, mock, gateway, direct, periscope };

    // Warm-up: JIT, keep-alive sockets and chDB's first inserts are not part of any result.
    await closedLoop(direct, 16, 1000);
    const warm = await closedLoop(periscope, 16, quick ? 1500 : 3000);
    if (warm.errors) throw new Error(`warm-up through Periscope failed: ${warm.errorSamples.join('; ')}`);

    log('1/7 mock ceiling');
    const ceiling = await mockCeiling(ctx);
    log(`    best ${ceiling.bestRps.toFixed(0)} req/s`);
    // Throughput runs before overhead because overhead's top rate derives from its saturation point.
    log('2/7 max throughput (closed loop)');
    const throughput = await maxThroughput(ctx);
    log(`    direct ${throughput.bestDirectRps.toFixed(0)} req/s, periscope ${throughput.bestPeriscopeRps.toFixed(0)} req/s`);
    log('    the same with wrk as the load generator, pinned apart where the machine allows');
    const wrk = await wrkSaturation(ctx);
    log(typeof wrk === 'string' ? `    wrk ${wrk}` : `    wrk: direct ${wrk.direct.rps.toFixed(0)} req/s, periscope ${wrk.periscope.rps.toFixed(0)} req/s (${wrk.pinning})`);
    log('3/7 overhead at fixed rates (open loop)');
    const over = await overhead(ctx, throughput.bestPeriscopeRps);
    for (const o of over) log(`    ${o.label}: added p50 ${o.addedMs.p50.toFixed(2)} ms, p99 ${o.addedMs.p99.toFixed(2)} ms`);
    log('    the same with autocannon at fixed rates (coordinated omission corrected)');
    const autocannon = await autocannonLatency(ctx);
    for (const a of autocannon.rates) log(`    autocannon ${a.rate}/s: added p50 ${a.addedMs.p50.toFixed(2)} ms, p99 ${a.addedMs.p99.toFixed(2)} ms`);
    log('4/7 concurrent streams');
    const streams = await streaming(ctx);
    log(`    added TTFT p50 ${streams.addedTtftMs.p50.toFixed(2)} ms, p99 ${streams.addedTtftMs.p99.toFixed(2)} ms`);

    const finished = await gateway.finish();
    // The gateway's process (and its chDB) goes before the store scenarios, so they have the cores to themselves.
    await gateway.stop();

    log(`5/7 peers through the same mock: ${peerNames.join(', ') || 'none'}`);
    const peers: PeerResult[] = [];
    const starters: Record<PeerName, { label: string; start: () => Promise<StartedPeer> }> = {
      portkey: { label: 'Portkey (`@portkey-ai/gateway`)', start: () => startPortkey(mock.url) },
      litellm: { label: 'LiteLLM proxy (`litellm[proxy]` from PyPI)', start: () => startLitellm(mock.url, log) },
    };
    for (const name of peerNames as PeerName[]) {
      let started: StartedPeer;
      try {
        started = await starters[name].start();
      } catch (err) {
        const reason = `skipped: ${err instanceof Error ? err.message : String(err)}`.replaceAll('|', '/');
        peers.push({ name, label: starters[name].label, skipped: reason });
        log(`    ${name} ${reason}`);
        continue;
      }
      children.push(started.handle);
      log(`    ${started.label} at ${started.target.origin} (pid ${started.handle.pid})`);
      const result = await measurePeer(ctx, started, { throughput, overhead: over, streaming: streams });
      await started.handle.stop();
      peers.push(result);
      if (result.skipped) log(`    ${name} ${result.skipped}`);
      else {
        log(`    ${result.throughput?.bestRps.toFixed(0)} req/s (Periscope/${name} ×${result.throughput?.periscopeRatio.toPrecision(3)})`);
        for (const l of result.latency ?? []) {
          log(`    ${l.rate}/s: added p99 ${l.addedMs.p99.toFixed(2)} ms (Periscope/${name} ×${l.periscopeP99Ratio.toPrecision(2)})`);
        }
      }
    }

    log('6/7 ingest (in-process queue → chDB), log-page and overview queries, in a child with a store of its own');
    const store = await storeScenario(children);
    log('7/7 response-cache hit lookup (memory and Redis backends), in a child of its own');
    const cacheChild = await startChild('./cache-child.ts', [quick ? 'quick' : 'full']);
    children.push(cacheChild);
    const cache = (await cacheChild.finish()).extra as unknown as CacheBenchResult;
    await cacheChild.stop();
    for (const c of cache.timings) log(`    ${c.label}: p50 ${c.latencyMs.p50.toFixed(3)} ms, p99 ${c.latencyMs.p99.toFixed(3)} ms`);
    if (cache.redisSkipped) log(`    Redis ${cache.redisSkipped}`);
    const totalErrors = [
      ...ceiling.runs, ...throughput.levels.flatMap((l) => [l.direct, l.periscope]),
      ...over.flatMap((o) => [o.direct, o.periscope]), streams.direct, streams.periscope,
      ...peers.flatMap((p) => (p.latency ?? []).map((l) => l.direct)),
    ].reduce((sum, r) => sum + r.errors, 0);

    const report: BenchReport = {
      mode: quick ? 'quick' : 'full',
      machine,
      durationS: (performance.now() - t0) / 1000,
      mockCeiling: ceiling,
      throughput,
      wrk,
      overhead: over,
      autocannon,
      streaming: streams,
      peers,
      store,
      cache,
      logging: (finished.extra.counters ?? {}) as Record<string, number>,
      totalErrors,
    };
    const md = markdown(report);
    const files = await writeResults(resultsDir, report, md);
    const readmeUpdated = values['no-readme'] ? false : await updateReadme(readme, md);
    console.log(`\n${md}`);
    log(`wrote ${files.json} and ${files.md}${readmeUpdated ? ', README.md' : ''}`);
    if (totalErrors > 0) process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
