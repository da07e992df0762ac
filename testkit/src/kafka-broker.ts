import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { kafkaAnswers } from './kafka-probe.ts';
import { freePort } from './free-port.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/kafka/kafka', import.meta.url));
const HOST = '127.0.0.1';
// The first start on a machine resolves the broker's jars from Maven Central.
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

export interface KafkaBrokerOptions {
  /** Loopback port for clients; a free one by default. Ignored for a dir already set up. */
  port?: number;
  /** Config, data and kafka.log; a new temporary directory by default. */
  dir?: string;
  /**
   * Every thread of the JVM under Linux's SCHED_IDLE (util-linux's `chrt`; the policy is
   * inherited by the script's exec and every thread): for a broker that shares a core with
   * processes it must not delay, as in `pnpm bench`. Fails at start when `chrt` is missing.
   */
  idlePriority?: boolean;
}

export interface KafkaBroker {
  /** `127.0.0.1:PORT`, for kafkajs `brokers: [broker.brokers]` or PERISCOPE_KAFKA_BROKERS. */
  readonly brokers: string;
  readonly dir: string;
  /** The JVM's pid (the script and `chrt` exec it); a new one after `restart()`. */
  readonly pid: number;
  /** SIGKILL, like a crash; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (controlled shutdown), SIGKILL if it takes over 30 s. */
  stop(): Promise<void>;
  /** Starts again on the same port and data, stopping a running broker first. */
  restart(): Promise<void>;
}

/**
 * Apache Kafka's own broker (single-node KRaft) as a child process of the test, which can crash
 * and restart it. `scripts/kafka/kafka run` resolves the jars, writes the config, formats the
 * data dir and execs java, so the child's pid is the JVM's. A broker acknowledges an acks=-1
 * record only after writing it to the segment file, so records it acknowledged survive `kill()`:
 * SIGKILL ends the process, not the kernel's page cache (only an OS crash would lose those).
 */
export async function startKafkaBroker(opts: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const dir = opts.dir === undefined ? await mkdtemp(join(tmpdir(), 'periscope-kafka-')) : resolve(opts.dir);
  await mkdir(dir, { recursive: true });
  const stored = await storedPorts(dir);
  let ports = stored ?? { port: opts.port ?? (await freePort()), controllerPort: await freePort() };
  let child: ChildProcess;
  for (let attempt = 1; ; attempt++) {
    try {
      child = await launch(dir, ports, opts.idlePriority ?? false);
      break;
    } catch (err) {
      // A free port can be taken by another process before the broker binds it: on a new
      // directory with ports of our choosing, start over with other ports.
      if (stored || opts.port !== undefined || attempt >= 3 || !/Address already in use/.test((err as Error).message)) throw err;
      for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
      ports = { port: await freePort(), controllerPort: await freePort() };
    }
  }

  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (exited()) return;
    const gone = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await gone;
    clearTimeout(timer);
  };

  return {
    brokers: `${HOST}:${ports.port}`,
    dir,
    get pid() {
      return child.pid!;
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    async restart() {
      await end('SIGTERM');
      child = await launch(dir, ports, opts.idlePriority ?? false);
    },
  };
}

interface Ports {
  port: number;
  controllerPort: number;
}

/** The ports a dir was set up with: its KRaft quorum has recorded the controller's. */
async function storedPorts(dir: string): Promise<Ports | undefined> {
  const config = await readFile(join(dir, 'server.properties'), 'utf8').catch(() => undefined);
  if (config === undefined) return undefined;
  const port = /^advertised\.listeners=.*:(\d+)$/m.exec(config)?.[1];
  const controllerPort = /^controller\.quorum\.bootstrap\.servers=.*:(\d+)$/m.exec(config)?.[1];
  if (port === undefined || controllerPort === undefined) throw new Error(`unreadable ${join(dir, 'server.properties')}`);
  return { port: Number(port), controllerPort: Number(controllerPort) };
}


async function launch(dir: string, ports: Ports, idlePriority: boolean): Promise<ChildProcess> {
  const logPath = join(dir, 'kafka.log');
  const log = await open(logPath, 'a');
  const args = ['run', '--exit-with-stdin', '--dir', dir, '--port', String(ports.port), '--controller-port', String(ports.controllerPort)];
  // stdin stays an open pipe that nobody writes: when this process dies, even by SIGKILL, the
  // script sees EOF and takes the broker down, so a crashed test run leaves no JVM behind.
  const command = idlePriority ? ['chrt', '--idle', '0', 'bash', SCRIPT, ...args] : ['bash', SCRIPT, ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', log.fd, log.fd] });
  await log.close();
  child.on('exit', () => child.stdin?.destroy());
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`Kafka broker exited during startup (${signal ?? `code ${code}`})`)));
  });
  failed.catch(() => undefined); // observed below, or moot once the broker is up
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    while (!(await Promise.race([kafkaAnswers(HOST, ports.port), failed]))) {
      if (Date.now() > deadline) throw new Error(`Kafka broker not answering on ${HOST}:${ports.port} after ${START_TIMEOUT_MS} ms`);
      await Promise.race([sleep(200), failed]);
    }
  } catch (err) {
    child.kill('SIGKILL');
    const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
    throw new Error(`${(err as Error).message}; ${logPath} ends:\n${tail}`, { cause: err });
  }
  return child;
}
