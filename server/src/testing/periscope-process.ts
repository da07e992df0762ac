import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PERISCOPE_CLI } from './cli-command.ts';
import { ADMIN_TOKEN } from './gateway-harness.ts';

export interface PeriscopeProcess {
  /** `http://127.0.0.1:PORT` of its gateway and API. */
  url: string;
  /** Its OS process id: the gateway process (to read its memory from /proc, or to kill it). */
  pid: number;
  /** The data directory (kept by kill(), so a restart finds the store and the spool). */
  dataDir: string;
  output(): string;
  /** Pids of its child processes (the store process of `start`). */
  children(): Promise<number[]>;
  /** Sends `signal` to the gateway process only and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILL, then removes the directory once the store process has exited too. */
  stop(): Promise<void>;
}

export interface PeriscopeProcessOptions {
  /** An existing directory to run in (a restart); by default a new temporary one. */
  dir?: string;
  /** The port; any free one by default. */
  port?: number;
}

/**
 * `periscope start` as its own OS processes next to a test's in-process harness (chDB allows
 * one data directory per process), with its own directory and `config` as its config file.
 * Embedded like the harness: no Kafka even when the suite's broker is in the environment.
 */
export async function startPeriscopeProcess(config: object, env: Record<string, string> = {}, opts: PeriscopeProcessOptions = {}): Promise<PeriscopeProcess> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'periscope-process-')));
  const dataDir = join(dir, 'data');
  await writeFile(join(dir, 'periscope.yaml'), JSON.stringify(config));
  const child: ChildProcess = spawn(process.execPath, [...PERISCOPE_CLI, 'start', '--port', String(opts.port ?? 0), '--data-dir', dataDir, '--config', join(dir, 'periscope.yaml')], {
    cwd: dir, env: { ...process.env, PERISCOPE_KAFKA_BROKERS: '', PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (running()) child.kill(signal);
    await exited;
  };
  const children = async () => {
    const text = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '');
    return text.split(/\s+/).filter(Boolean).map(Number);
  };
  const stop = async () => {
    const orphans = await children();
    await kill('SIGKILL');
    // The store process outlives a killed gateway for a moment (it takes in the spool): the
    // directory can go only once it has exited too.
    for (const pid of orphans) {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (await stat(`/proc/${pid}`).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 50));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`periscope start did not come up:\n${output}`)), 90_000);
      child.stdout!.on('data', () => {
        const m = /UI and API:\s+(\S+)/.exec(output);
        if (m && output.includes('OpenAI SDK:')) {
          clearTimeout(timer);
          resolve(m[1]!.replace(/\/$/, ''));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`periscope start exited with ${code}:\n${output}`));
      });
    });
    return { url, pid: child.pid!, dataDir, output: () => output, children, kill, stop };
  } catch (err) {
    if (opts.dir) await kill();
    else await stop();
    throw err;
  }
}

/** A new gateway key for `project`, made through the admin API of the Periscope at `url` (the tests' admin token). */
export async function createGatewayKey(url: string, project: string, name?: string): Promise<string> {
  const res = await fetch(`${url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(name === undefined ? { project } : { project, name }),
  });
  if (res.status !== 201) throw new Error(`POST /api/keys answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}
