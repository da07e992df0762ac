import { execFile, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CHAT_BODY, type Target } from '../load.ts';
import type { BenchContext } from './context.ts';

const run = promisify(execFile);
const AUTOCANNON = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));

export interface AutocannonSide {
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface AutocannonRate {
  rate: number;
  durationS: number;
  direct: AutocannonSide;
  periscope: AutocannonSide;
  addedMs: { p50: number; p90: number; p99: number };
}

export interface AutocannonResult {
  connections: number;
  pinning: string;
  rates: AutocannonRate[];
}

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p90: number; p99: number };
  non2xx: number;
  errors: number;
}

/**
 * Fixed-rate latency measured by autocannon (`--overallRate`, which corrects for coordinated
 * omission), as a cross-check of the bench's own open-loop generator. It runs as its own
 * process, pinned to the last core when there are two or more, apart from Periscope.
 */
export async function autocannonLatency(ctx: BenchContext): Promise<AutocannonResult> {
  const connections = 32;
  const durationS = ctx.quick ? 3 : 10;
  const cores = cpus().length;
  const pin = cores >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
  const side = async (target: Target, rate: number): Promise<AutocannonSide> => {
    const args = [
      AUTOCANNON, '--json', '-c', String(connections), '-d', String(durationS), '--overallRate', String(rate),
      '-m', 'POST', '-b', CHAT_BODY, '-H', 'content-type=application/json',
      ...Object.entries(target.headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]),
      `${target.origin}/v1/chat/completions`,
    ];
    const cmd = pin ? 'taskset' : process.execPath;
    const { stdout } = await run(cmd, pin ? ['-c', String(cores - 1), process.execPath, ...args] : args, { maxBuffer: 16 * 1024 * 1024 });
    const r = JSON.parse(stdout) as AutocannonJson;
    return { rps: r.requests.average, p50Ms: r.latency.p50, p90Ms: r.latency.p90, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
  };
  const rates: AutocannonRate[] = [];
  for (const rate of ctx.quick ? [1000] : [100, 1000]) {
    const direct = await side(ctx.direct, rate);
    const periscope = await side(ctx.periscope, rate);
    rates.push({
      rate, durationS, direct, periscope,
      addedMs: { p50: periscope.p50Ms - direct.p50Ms, p90: periscope.p90Ms - direct.p90Ms, p99: periscope.p99Ms - direct.p99Ms },
    });
  }
  return { connections, rates, pinning: pin ? `autocannon on core ${cores - 1}` : 'not pinned' };
}
