import { Worker } from 'node:worker_threads';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KafkaConfig } from '../config/schema.ts';
import { execArgvFor, siblingModule } from '../runtime/module-runner.ts';
import type { KafkaLog } from './client.ts';
import type { ShipperStats } from './spool-shipper.ts';

export interface ShipperThreadData {
  spoolDir: string;
  brokers: string[];
  topic: string;
  partitions: number;
}

export type ShipperThreadMessage =
  | { type: 'ready' }
  | { type: 'stats'; stats: ShipperStats; backlogBytes: number }
  | { type: 'log'; level: 'error' | 'warn' | 'info'; obj: object; msg: string }
  | { type: 'stopped' };

export interface RunningShipper {
  /** Stops after the send in hand; unshipped events stay in the spool for the next start. */
  close(): Promise<void>;
}

/**
 * Starts the thread that ships the spool to Kafka (shipper-thread.ts) and mirrors its counters
 * into this process's /metrics. Kafka being down at start is fine: events wait in the spool.
 */
export async function startShipper(kafka: KafkaConfig, spoolDir: string, registry: Registry, log: KafkaLog): Promise<RunningShipper> {
  const entry = siblingModule(import.meta.url, 'shipper-thread');
  const worker = new Worker(entry, {
    execArgv: execArgvFor(entry),
    workerData: { spoolDir, brokers: kafka.brokers, topic: kafka.topic, partitions: kafka.partitions } satisfies ShipperThreadData,
  });
  const registers = [registry];
  const produced = new Counter({ name: 'periscope_events_produced_total', help: 'Events acknowledged by Kafka.', registers });
  const dropped = (registry.getSingleMetric('periscope_events_dropped_total') as Counter<'reason'> | undefined)
    ?? new Counter({ name: 'periscope_events_dropped_total', help: 'Events lost, by reason.', labelNames: ['reason'], registers });
  let last: ShipperStats = { produced: 0, tooLarge: 0, kafkaUp: true };
  let backlog = 0;
  new Gauge({ name: 'periscope_spool_backlog_bytes', help: 'Spooled bytes not yet acknowledged by Kafka.', registers, collect() { this.set(backlog); } });
  new Gauge({ name: 'periscope_kafka_up', help: '1 while the last send to Kafka succeeded.', registers, collect() { this.set(last.kafkaUp ? 1 : 0); } });

  const stopped = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: ShipperThreadMessage) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'log') log[m.level](m.obj, m.msg);
      else if (m.type === 'stats') {
        produced.inc(m.stats.produced - last.produced);
        if (m.stats.tooLarge > last.tooLarge) dropped.inc({ reason: 'too_large_for_kafka' }, m.stats.tooLarge - last.tooLarge);
        last = m.stats;
        backlog = m.backlogBytes;
      }
    });
  });
  worker.on('error', (err) => log.error({ err: err.message }, 'the Kafka shipper thread failed; events stay in the spool until a restart'));
  return {
    async close() {
      worker.postMessage({ type: 'stop' });
      await stopped;
    },
  };
}
