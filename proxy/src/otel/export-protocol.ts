import type { PackedCallSpanRecord } from './span-record.ts';

/** What the exporter thread is started with (workerData). */
export interface ExporterSettings {
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  serviceName: string;
  resourceAttributes: Record<string, string | number | boolean>;
  serviceVersion: string;
  batchSize: number;
  batchIntervalMs: number;
  exportTimeoutMs: number;
  contentMaxBytes: number;
  /** Retries of a batch after a retryable failure (timeout, connection, 408, 429, 5xx). */
  maxRetries: number;
  /** First backoff; it doubles per retry (with full jitter) up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
}

/** Gateway thread → exporter thread. */
export type ToExporter =
  | { type: 'records'; records: PackedCallSpanRecord[] }
  /** Export everything queued now (tests, shutdown); answered by `flushed`. */
  | { type: 'flush'; id: number; final: boolean };

/** Exporter thread → gateway thread: every span handed over is settled exactly once. */
export type FromExporter =
  | { type: 'settled'; spans: number; outcome: 'exported' }
  | { type: 'settled'; spans: number; outcome: 'dropped'; reason: string }
  /** One failed export request (a retried batch counts once per failure). */
  | { type: 'export_failed'; reason: string }
  | { type: 'flushed'; id: number };
