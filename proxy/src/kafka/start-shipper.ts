import type { Worker } from 'node:worker_threads';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KafkaConfig } from '@periscope/contract';
import { siblingModule, startWorker } from '../runtime/module-runner.ts';
import type { KafkaLog } from '@periscope/spool';
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
  | { type: 'log'; level: 'error' | 'warn' | 'info'; obj: object; msg: string };

export interface RunningShipper {
  /** Ships what is spooled for up to `drainMs` (while Kafka answers), then stops; the rest stays in the spool for the next start. */
  close(drainMs?: number): Promise<void>;
}

/** Pause before a shipper thread that died is started again. */
const RESTART_MS = 1000;

/**
 * Starts the thread that ships the spool to Kafka (shipper-thread.ts), mirrors its counters into
 * this process's /metrics, and starts it again if it dies. Kafka being down at start is fine:
 * events wait in the spool.
 */
export async function startShipper(kafka: KafkaConfig, spoolDir: string, registry: Registry, log: KafkaLog): Promise<RunningShipper> {
  const entry = siblingModule(import.meta.url, 'shipper-thread');
  const workerData: ShipperThreadData = { spoolDir, brokers: kafka.brokers, topic: kafka.topic, partitions: kafka.partitions };
  const registers = [registry];
  const produced = new Counter({ name: 'periscope_events_produced_total', help: 'Events acknowledged by Kafka.', registers });
  const dropped = (registry.getSingleMetric('periscope_events_dropped_total') as Counter<'reason'> | undefined)
    ?? new Counter({ name: 'periscope_events_dropped_total', help: 'Events lost, by reason.', labelNames: ['reason'], registers });
  let last: ShipperStats = { produced: 0, tooLarge: 0, kafkaUp: true };
  let backlog = 0;
  new Gauge({ name: 'periscope_spool_backlog_bytes', help: 'Spooled bytes not yet acknowledged by Kafka.', registers, collect() { this.set(backlog); } });
  new Gauge({ name: 'periscope_kafka_up', help: '1 while the last send to Kafka succeeded.', registers, collect() { this.set(last.kafkaUp ? 1 : 0); } });

  let closing = false;
  let worker: Worker;
  let exited: Promise<void>;
  const spawn = () => new Promise<void>((resolve, reject) => {
    // Each thread counts from zero.
    last = { produced: 0, tooLarge: 0, kafkaUp: last.kafkaUp };
    worker = startWorker(entry, { workerData });
    worker.on('message', (m: ShipperThreadMessage) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'log') log[m.level](m.obj, m.msg);
      else {
        produced.inc(m.stats.produced - last.produced);
        if (m.stats.tooLarge > last.tooLarge) dropped.inc({ reason: 'too_large_for_kafka' }, m.stats.tooLarge - last.tooLarge);
        last = m.stats;
        backlog = m.backlogBytes;
      }
    });
    worker.on('error', (err) => {
      log.error({ err: err.message }, 'the Kafka shipper thread failed');
      reject(err);
    });
    exited = new Promise((done) => worker.once('exit', () => {
      done();
      if (closing) return;
      log.error({}, `the Kafka shipper thread stopped; starting it again in ${RESTART_MS} ms (events wait in the spool)`);
      setTimeout(() => void spawn().catch(() => undefined), RESTART_MS).unref();
    }));
  });
  await spawn();
  return {
    async close(drainMs = 5000) {
      closing = true;
      worker.postMessage({ type: 'stop', drainMs });
      await exited;
    },
  };
}
