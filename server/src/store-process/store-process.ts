import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { execArgvFor, siblingModule } from '@periscope/proxy';
import { type KeyRecordLike, type PeriscopeConfig } from '@periscope/contract';
import type { ProcessMetrics } from '../http-server.ts';
import type { FromStore, ToStore } from './protocol.ts';

export interface StoreProcessOptions {
  dataDir: string;
  config: PeriscopeConfig;
  configFile?: string;
  uiDir?: string;
  env?: NodeJS.ProcessEnv;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  onKeys: (records: KeyRecordLike[]) => void;
}

export class StoreStartError extends Error {
  constructor(message: string, readonly locked: boolean) {
    super(message);
    this.name = locked ? 'StoreLockedError' : 'StoreStartError';
  }
}

/** Backoff between restarts of a store process that keeps dying; reset after a minute up. */
const RESTART_MS = { first: 1000, max: 30_000, healthyAfter: 60_000 };
/** How long a first start may take (migrations of a large store included). */
const START_TIMEOUT_MS = 300_000;

/**
 * The gateway process's handle on its store process (child.ts): starts it, hands it the
 * config, receives key snapshots, asks for its metrics, restarts it when it dies (the gateway
 * keeps answering and spooling meanwhile), and stops it last on shutdown so it can take in
 * what the gateway spooled.
 */
export class StoreProcess {
  readonly socket: string;
  private child: ChildProcess | undefined;
  private isUp = false;
  private stopping = false;
  private publicUrl: string | undefined;
  private nextId = 1;
  private restartDelay = RESTART_MS.first / 2;
  private readonly pending = new Map<number, (m: ProcessMetrics) => void>();

  private constructor(private readonly o: StoreProcessOptions) {
    this.socket = join(o.dataDir, 'store.sock');
  }

  /** Starts the store process; resolves with what a first start printed, rejects if it cannot start. */
  static async start(o: StoreProcessOptions): Promise<{ store: StoreProcess; firstRun: { gatewayKey?: string; noAccounts: boolean } }> {
    const store = new StoreProcess(o);
    const firstRun = await store.launch();
    return { store, firstRun };
  }

  /** The store process is running and answers. */
  get up(): boolean {
    return this.isUp;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  listening(url: string): void {
    this.publicUrl = url;
    this.send({ type: 'listening', url });
  }

  /** The store process's series, for the gateway's /metrics; undefined while it is down or slow. */
  metrics(): Promise<ProcessMetrics | undefined> {
    if (!this.isUp) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, 2000);
      this.pending.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      this.send({ type: 'metrics', id });
    });
  }

  /** Lets the store take in what is spooled (up to `drainMs`), then waits for it to exit. */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.send({ type: 'stop', drainMs });
    const timer = setTimeout(() => child.kill('SIGKILL'), drainMs + 15_000);
    await exited;
    clearTimeout(timer);
  }

  private send(m: ToStore): void {
    if (this.child?.connected) this.child.send(m);
  }

  private launch(): Promise<{ gatewayKey?: string; noAccounts: boolean }> {
    const entry = siblingModule(import.meta.url, 'child');
    const child = fork(entry, [], { execArgv: execArgvFor(entry), env: this.o.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const startedAt = Date.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new StoreStartError(`the store process did not start within ${START_TIMEOUT_MS / 1000} s`, false));
      }, START_TIMEOUT_MS);
      child.on('message', (m: FromStore) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          this.isUp = true;
          if (this.publicUrl) this.listening(this.publicUrl);
          resolve(m.firstRun);
        } else if (m.type === 'keys') this.o.onKeys(m.records);
        else if (m.type === 'metrics') this.pending.get(m.id)?.(m.metrics);
        else {
          clearTimeout(timer);
          reject(new StoreStartError(m.error, m.locked));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const wasUp = this.isUp;
        this.isUp = false;
        if (!wasUp) reject(new StoreStartError(`the store process exited (${signal ?? code}) before it was ready`, false));
        if (this.stopping || !wasUp) return;
        const uptime = Date.now() - startedAt;
        this.restartDelay = uptime > RESTART_MS.healthyAfter ? RESTART_MS.first : Math.min(this.restartDelay * 2, RESTART_MS.max);
        this.o.log.error({ code, signal, restart_in_ms: this.restartDelay }, 'the store process exited; starting it again (calls are answered and spooled meanwhile)');
        setTimeout(() => this.relaunch(), this.restartDelay).unref();
      });
      child.send({ type: 'start', dataDir: this.o.dataDir, config: this.o.config, configFile: this.o.configFile, uiDir: this.o.uiDir, socket: this.socket } satisfies ToStore);
    });
  }

  private relaunch(): void {
    if (this.stopping) return;
    this.launch().then(
      () => this.o.log.info({}, 'the store process is running again'),
      (err: Error) => {
        this.o.log.error({ err: err.message }, 'the store process failed to start again');
        if (!this.stopping) setTimeout(() => this.relaunch(), (this.restartDelay = Math.min(this.restartDelay * 2, RESTART_MS.max))).unref();
      },
    );
  }
}
