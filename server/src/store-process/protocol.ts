import type { KeyRecordLike, PeriscopeConfig } from '@periscope/contract';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/**
 * Messages between the gateway process of `periscope start` (the parent) and its store process
 * (the child), over the IPC channel of child_process.fork.
 */
export type ToStore =
  | { type: 'start'; dataDir: string; config: PeriscopeConfig; configFile?: string; uiDir?: string; socket: string }
  /** The parent listens: links in alerts and reports point here (unless alerts.public_url says otherwise). */
  | { type: 'listening'; url: string }
  | { type: 'metrics'; id: number }
  /** Drain the spool as far as it goes within `drainMs`, close the store, exit. */
  | { type: 'stop'; drainMs: number };

export type FromStore =
  | { type: 'ready'; firstRun: { gatewayKey?: string; noAccounts: boolean } }
  /** Every gateway key record (hashes only), sent at start and whenever they change. */
  | { type: 'keys'; records: KeyRecordLike[] }
  | { type: 'metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { type: 'failed'; error: string; locked: boolean };

/**
 * On a relayed request, set to `1` by the gateway process on its own warm-up requests
 * (warm-relay.ts) and on no other: the store process leaves those out of its access log.
 */
export const WARM_UP_HEADER = 'x-periscope-warm-up';
