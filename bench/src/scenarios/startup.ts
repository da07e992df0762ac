/**
 * `pnpm bench --only startup`: `periscope start` run from its TypeScript source through tsx (how
 * production ran before the build) and compiled (dist/periscope.mjs), alternated, each on a fresh
 * data directory: the time from spawn to /healthz answering 200, and the resident memory once
 * idle of the gateway process, its store process and, under tsx, tsx's esbuild service. Medians.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, launch } from '../launch.ts';
import { ensureCompiledCli, PERISCOPE_COMMAND, REPO_ROOT, TSX_COMMAND } from '../periscope-command.ts';
import { isCompiler } from '../pinning.ts';
import { commandOf, descendants, rssBytes } from '../proc.ts';
import { median } from './summary.ts';

export interface StartupSample {
  readyMs: number;
  gatewayBytes: number;
  storeBytes: number;
  /** tsx's esbuild service below the gateway; 0 when compiled. */
  compilerBytes: number;
}

export interface StartupVariant {
  name: 'tsx' | 'compiled';
  command: string;
  samples: StartupSample[];
  median: StartupSample;
}

const VARIANTS = [
  { name: 'tsx', command: TSX_COMMAND },
  { name: 'compiled', command: PERISCOPE_COMMAND },
] as const;

/** The store process of `start` (store-process/child.ts, or its bundle child.mjs). */
const isStoreProcess = (command: string) => /\/child\.(ts|mjs)(\s|$)/.test(command);

async function sample(command: readonly string[], idleMs: number): Promise<StartupSample> {
  const dir = await mkdtemp(join(tmpdir(), 'periscope-bench-startup-'));
  const port = await freePort();
  const t0 = performance.now();
  const p = await launch({
    command: command[0]!, args: [...command.slice(1), 'start', '--port', String(port), '--data-dir', join(dir, 'data')],
    cwd: REPO_ROOT, env: { NODE_OPTIONS: undefined, PERISCOPE_CONFIG: undefined, PERISCOPE_KAFKA_BROKERS: undefined },
    logFile: join(dir, 'periscope.log'), readyUrl: `http://127.0.0.1:${port}/healthz`, readyTimeoutMs: 60_000, pollMs: 10,
  });
  const readyMs = performance.now() - t0;
  try {
    await sleep(idleMs);
    const below = descendants(p.pid).map((pid) => ({ pid, command: commandOf(pid) }));
    const sum = (match: (c: string) => boolean) => below.filter((c) => match(c.command)).reduce((n, c) => n + rssBytes(c.pid), 0);
    return { readyMs, gatewayBytes: rssBytes(p.pid), storeBytes: sum(isStoreProcess), compilerBytes: sum(isCompiler) };
  } finally {
    await p.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `runs` measured starts of each, alternating which goes first, after one unmeasured start each (warm file and tsx caches). */
export async function startupScenario(runs: number, idleMs: number, log: (msg: string) => void): Promise<StartupVariant[]> {
  await ensureCompiledCli();
  const samples = new Map<string, StartupSample[]>(VARIANTS.map((v) => [v.name, []]));
  for (let run = 0; run <= runs; run++) {
    for (const v of run % 2 ? [...VARIANTS].reverse() : VARIANTS) {
      const s = await sample(v.command, idleMs);
      log(`    ${run === 0 ? 'warm-up' : `run ${run}/${runs}`} ${v.name}: /healthz 200 after ${s.readyMs.toFixed(0)} ms; idle RSS gateway ${(s.gatewayBytes / 1e6).toFixed(0)} MB, store ${(s.storeBytes / 1e6).toFixed(0)} MB${s.compilerBytes ? `, tsx's esbuild ${(s.compilerBytes / 1e6).toFixed(0)} MB` : ''}`);
      if (run > 0) samples.get(v.name)!.push(s);
    }
  }
  return VARIANTS.map((v) => {
    const of = samples.get(v.name)!;
    const med = (k: keyof StartupSample) => median(of.map((s) => s[k]));
    return {
      name: v.name, command: [v.command[0]!.split('/').at(-1)!, ...v.command.slice(1)].join(' '), samples: of,
      median: { readyMs: med('readyMs'), gatewayBytes: med('gatewayBytes'), storeBytes: med('storeBytes'), compilerBytes: med('compilerBytes') },
    };
  });
}
