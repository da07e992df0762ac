import { fork, type ChildProcess } from 'node:child_process';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BackgroundPriority, KafkaConfig } from '@periscope/contract';
import { execArgvFor, siblingModule } from '../runtime/module-runner.ts';
import type { KafkaLog } from '@periscope/spool';
import type { ShipperStats } from './spool-shipper.ts';

/** What the gateway tells the shipper process. */
export type ToShipper =
  | { type: 'start'; spoolDir: string; brokers: string[]; topic: string; partitions: number; priority: BackgroundPriority }
  | { type: 'stop'; drainMs: number };

/** What the shipper process tells the gateway. */
export type FromShipper =
  | { type: 'ready' }
  | { type: 'stats'; stats: ShipperStats; backlogBytes: number }
  | { type: 'log'; level: 'error' | 'warn' | 'info'; obj: object; msg: string };

export interface RunningShipper {
  /** Ships what is spooled for up to `drainMs` (while Kafka answers), then stops; the rest stays in the spool for the next start. */
  close(drainMs?: number): Promise<void>;
}

/** Pause before a shipper process that died is started again. */
const RESTART_MS = 1000;
/** A shipper that does not stop this long after its drain time is killed. */
const STOP_GRACE_MS = 10_000;

/**
 * Starts the process that ships the spool to Kafka (shipper-process.ts), mirrors its counters
 * into this process's /metrics, and starts it again if it dies. A process rather than a worker
 * thread: kafkajs's batching, gzip and protocol work, and its heap and garbage collection, then
 * share nothing with the gateway (not its event loop, not its heap, not its core when the
 * gateway is pinned to one). Kafka being down at start is fine: events wait in the spool.
 */
export async function startShipper(kafka: KafkaConfig, priority: BackgroundPriority, spoolDir: string, registry: Registry, log: KafkaLog): Promise<RunningShipper> {
  const entry = siblingModule(import.meta.url, 'shipper-process');
  const registers = [registry];
  const produced = new Counter({ name: 'periscope_events_produced_total', help: 'Events acknowledged by Kafka.', registers });
  const dropped = (registry.getSingleMetric('periscope_events_dropped_total') as Counter<'reason'> | undefined)
    ?? new Counter({ name: 'periscope_events_dropped_total', help: 'Events lost, by reason.', labelNames: ['reason'], registers });
  const cursorWriteFailures = new Counter({ name: 'periscope_spool_cursor_write_failures_total', help: 'Failed writes of the spool cursor (each retried; the events wait in the spool).', registers });
  const shrunk = new Counter({ name: 'periscope_kafka_events_shrunk_total', help: 'Events the broker refused as larger than its message.max.bytes, delivered with their bodies clipped (or withheld): the call keeps its row.', registers });
  const restarts = new Counter({ name: 'periscope_kafka_shipper_restarts_total', help: 'Times the Kafka shipper process died and was started again.', registers });
  let last: ShipperStats = { produced: 0, tooLarge: 0, shrunk: 0, cursorWriteFailures: 0, kafkaUp: true };
  let backlog = 0;
  new Gauge({ name: 'periscope_spool_backlog_bytes', help: 'Spooled bytes not yet acknowledged by Kafka.', registers, collect() { this.set(backlog); } });
  new Gauge({ name: 'periscope_kafka_up', help: '1 while the last send to Kafka succeeded.', registers, collect() { this.set(last.kafkaUp ? 1 : 0); } });

  let closing = false;
  let child: ChildProcess;
  let exited: Promise<void>;
  const spawn = () => new Promise<void>((resolve, reject) => {
    // Each process counts from zero.
    last = { produced: 0, tooLarge: 0, shrunk: 0, cursorWriteFailures: 0, kafkaUp: last.kafkaUp };
    child = fork(entry, [], { execArgv: execArgvFor(entry), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m: FromShipper) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'log') log[m.level](m.obj, m.msg);
      else {
        produced.inc(m.stats.produced - last.produced);
        if (m.stats.tooLarge > last.tooLarge) dropped.inc({ reason: 'too_large_for_kafka' }, m.stats.tooLarge - last.tooLarge);
        shrunk.inc(m.stats.shrunk - last.shrunk);
        cursorWriteFailures.inc(m.stats.cursorWriteFailures - last.cursorWriteFailures);
        last = m.stats;
        backlog = m.backlogBytes;
      }
    });
    child.on('error', (err) => {
      log.error({ err: err.message }, 'the Kafka shipper process failed');
      reject(err);
    });
    exited = new Promise((done) => child.once('exit', (code, signal) => {
      done();
      reject(new Error(`the Kafka shipper process exited (${signal ?? code}) before it was ready`));
      if (closing) return;
      restarts.inc();
      log.error({ code, signal }, `the Kafka shipper process stopped; starting it again in ${RESTART_MS} ms (events wait in the spool)`);
      setTimeout(() => {
        if (!closing) void spawn().catch(() => undefined);
      }, RESTART_MS).unref();
    }));
    child.send({ type: 'start', spoolDir, brokers: kafka.brokers, topic: kafka.topic, partitions: kafka.partitions, priority } satisfies ToShipper);
  });
  await spawn();
  return {
    async close(drainMs = 5000) {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop', drainMs } satisfies ToShipper);
      const timer = setTimeout(() => child.kill('SIGKILL'), drainMs + STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
