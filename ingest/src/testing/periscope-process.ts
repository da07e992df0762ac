import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PERISCOPE_CLI } from './cli-command.ts';
import { ADMIN_TOKEN } from './gateway-harness.ts';

export interface PeriscopeProcess {
  /** `http://127.0.0.1:PORT` of its gateway and API. */
  url: string;
  /** Its OS process id (to read its memory from /proc). */
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `periscope start` as a second OS process next to a test's in-process harness (chDB allows
 * one data directory per process), with its own data directory and `config` as its config
 * file. Embedded like the harness: no Kafka even when the suite's broker is in the environment.
 */
export async function startPeriscopeProcess(config: object, env: Record<string, string> = {}): Promise<PeriscopeProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'periscope-process-'));
  await writeFile(join(dir, 'periscope.yaml'), JSON.stringify(config));
  const child: ChildProcess = spawn(process.execPath, [...PERISCOPE_CLI, 'start', '--port', '0', '--data-dir', join(dir, 'data'), '--config', join(dir, 'periscope.yaml')], {
    cwd: dir, env: { ...process.env, PERISCOPE_KAFKA_BROKERS: '', PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`periscope start did not come up:\n${output}`)), 60_000);
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
    return { url, pid: child.pid!, output: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
