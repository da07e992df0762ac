import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHAT_BODY, type Target } from '../load.ts';
import type { BenchContext } from './context.ts';

const run = promisify(execFile);

export interface WrkRun {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
}

export interface WrkResult {
  connections: number;
  durationS: number;
  /** How processes were placed on cores, or why they were not. */
  pinning: string;
  direct: WrkRun;
  periscope: WrkRun;
  ratio: number;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** wrk is a Debian package; the bench installs it when it may (root with apt-get), as it installs LiteLLM. */
async function ensureWrk(): Promise<string | undefined> {
  if (has('wrk')) return undefined;
  if (process.getuid?.() !== 0 || !has('apt-get')) return 'wrk is not installed (apt-get install wrk)';
  const res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return res.status === 0 && has('wrk') ? undefined : 'apt-get install wrk failed';
}

const toMs = (value: string, unit: string) => Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);

function parseWrk(text: string): WrkRun {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(text);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = errs ? errs.slice(1).reduce((s, n) => s + Number(n), 0) : 0;
  return { rps, p50Ms: pct('50'), p99Ms: pct('99'), non2xx, socketErrors };
}

/**
 * Saturation measured by wrk (C, closed loop, one thread): a load generator that costs far
 * less CPU than the Node one, so it shows what the gateway does when the generator is not
 * competing for the same cores. With two or more cores, wrk and the mock go on the last core
 * and Periscope's process (all its threads, chDB's included) on the others.
 */
export async function wrkSaturation(ctx: BenchContext): Promise<WrkResult | string> {
  const missing = await ensureWrk();
  if (missing) return `skipped: ${missing}`;
  const connections = 64;
  const durationS = ctx.quick ? 2 : 10;
  const dir = await mkdtemp(join(tmpdir(), 'periscope-bench-wrk-'));
  const cores = cpus().length;
  const pin = cores >= 2 && has('taskset');
  const last = String(cores - 1);
  const rest = cores > 2 ? `0-${cores - 2}` : '0';
  const all = `0-${cores - 1}`;
  try {
    const runOne = async (target: Target): Promise<WrkRun> => {
      const script = join(dir, `${target.name}.lua`);
      const headers = { 'content-type': 'application/json', ...target.headers };
      await writeFile(script, [
        'wrk.method = "POST"',
        `wrk.body = ${JSON.stringify(CHAT_BODY)}`,
        ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
      ].join('\n'));
      const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--latency', '-s', script, `${target.origin}/v1/chat/completions`];
      const { stdout } = pin ? await run('taskset', ['-c', last, 'wrk', ...args]) : await run('wrk', args);
      return parseWrk(stdout);
    };
    if (pin) {
      await run('taskset', ['-a', '-pc', rest, String(ctx.gateway.pid)]);
      await run('taskset', ['-a', '-pc', last, String(ctx.mock.pid)]);
    }
    const direct = await runOne(ctx.direct);
    const periscope = await runOne(ctx.periscope);
    return {
      connections, durationS, direct, periscope, ratio: periscope.rps / direct.rps,
      pinning: pin ? `wrk and the mock on core ${last}, Periscope (all threads) on core ${rest}` : `not pinned (${cores} core${cores === 1 ? '' : 's'}${has('taskset') ? '' : ', no taskset'})`,
    };
  } finally {
    if (pin) {
      await run('taskset', ['-a', '-pc', all, String(ctx.gateway.pid)]).catch(() => {});
      await run('taskset', ['-a', '-pc', all, String(ctx.mock.pid)]).catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  }
}
