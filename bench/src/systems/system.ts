import type { Launched } from '../launch.ts';
import type { ChildRole, Pinning } from '../pinning.ts';
import type { Target } from '../vegeta.ts';

/** The systems compared side by side, in the order of the first round. */
export const SYSTEM_NAMES = ['direct', 'floor', 'start', 'proxy', 'proxy-poll', 'portkey', 'litellm'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** Periscope's systems: the ones that log every call durably. */
export const isPeriscope = (name: SystemName): boolean => name === 'start' || name === 'proxy' || name === 'proxy-poll';
/** The `proxy` role with `gateway.idle_poll_ms` (an opt-in: the event loop polls between calls; docs/deployment.md). */
export const PROXY_POLL_MS = 10;

/** What every system's starter gets: the shared mock, where to put files, how processes are pinned. */
export interface Environment {
  mockUrl: string;
  /** A directory of this run; each system makes its own data dirs and log files under it. */
  runDir: string;
  pinning: Pinning;
  /** A Kafka broker shared by the run, started on first use. */
  kafkaBrokers(): Promise<string>;
  /** Node flags for the gateway process only (profiling: --cpu-prof is refused in NODE_OPTIONS); Node gateways only. */
  gatewayNodeFlags?: string[];
  /** Node flags for `periscope ingest` processes (`--profile ingest`). */
  ingestNodeFlags?: string[];
  /**
   * Another build's CLI bundle (`dist-base/periscope.mjs`: a copy of `dist/` beside it) instead of `dist/periscope.mjs` for
   * the Periscope processes started meanwhile (`--only paired`).
   */
  cli?: string;
  log(msg: string): void;
}

/** Periscope's own account of its logging, read after a system's run. */
export interface LoggingProbe {
  /** Rows in the store (all calls of the run go to one fresh store). */
  rowsStored(): Promise<number>;
  /** Counters from /metrics of the gateway and, for the proxy role, of the ingest. */
  counters(): Promise<Record<string, number>>;
  /** The gateway's /metrics (event-loop delay, when prom-client's default metrics are on). */
  gatewayMetricsUrl: string;
}

export interface RunningSystem {
  name: SystemName;
  /** What ran: package and version, how it was started. */
  label: string;
  /** A peer's release, for its row's name. */
  version?: string;
  target: Target;
  /** The gateway process; undefined for direct-to-mock. */
  gateway?: Launched;
  /** What the processes below the gateway are (Periscope: its store process; a peer: its workers). */
  childRole: ChildRole;
  logging?: LoggingProbe;
  /** The proxy role's topic: what its gateway produced is there after the run. */
  kafkaTopic?: string;
  /** Helper processes of the system (the proxy role's ingest), for RSS and logs. */
  helpers: Array<{ role: string; process: Launched }>;
  stop(): Promise<void>;
}

export type SystemStarter = (env: Environment) => Promise<RunningSystem>;

/** The provider key every client sends (the mock does not check it). */
export const CLIENT_AUTH = 'Bearer sk-bench-client-key-0123456789';
