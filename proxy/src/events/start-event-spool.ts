import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import type { PeriscopeConfig } from '@periscope/contract';
import type { ProxyMetrics } from '../metrics.ts';
import { startShipper, type RunningShipper } from '../kafka/start-shipper.ts';
import type { KafkaLog } from '@periscope/spool';
import { SpoolSink } from './sink.ts';
import { SpoolWriter } from '@periscope/spool';

export interface GatewayEventPath {
  sink: SpoolSink;
  writer: SpoolWriter;
  /** Where the spool is: the store process reads it when there is no Kafka. */
  dir: string;
  /** Fsyncs the spool, then stops the Kafka shipper after its send in hand. */
  close(): Promise<void>;
}

/**
 * The gateway's half of the event path, the same in every deployment: events are encoded once
 * and appended to the disk spool. With Kafka brokers configured a child process ships the spool to
 * Kafka; without, the embedded store process reads the spool itself.
 */
export async function startEventSpool(config: PeriscopeConfig, dataDir: string, registry: Registry, metrics: ProxyMetrics, log: KafkaLog): Promise<GatewayEventPath> {
  const spool = config.logging.spool;
  const dir = spool.dir ?? join(dataDir, 'spool');
  const writer = await SpoolWriter.open(dir, { maxBytes: spool.max_bytes, fsyncIntervalMs: spool.fsync_interval_ms, log });
  new Gauge({ name: 'periscope_spool_bytes', help: 'Bytes in the disk spool (appended, not yet consumed and deleted).', registers: [registry], collect() { this.set(writer.bytes); } });
  let shipper: RunningShipper | undefined;
  if (config.kafka.brokers.length > 0) shipper = await startShipper(config.kafka, config.logging.background_priority, dir, registry, log);
  return {
    sink: new SpoolSink(writer, spool.on_full, metrics, log),
    writer,
    dir,
    async close() {
      await writer.close();
      await shipper?.close();
    },
  };
}
