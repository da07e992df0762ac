/**
 * The Kafka shipper's worker thread (started by start-shipper.ts): reads the spool, produces to
 * Kafka, and reports its counters to the gateway's thread once a second. Producing (batching,
 * compression, the protocol) never runs on the gateway's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CompressionTypes } from 'kafkajs';
import { SpoolReader, createKafka, ensureTopic } from '@periscope/spool';
import { SpoolShipper, type EventTransport } from './spool-shipper.ts';
import type { ShipperThreadData, ShipperThreadMessage } from './start-shipper.ts';

const data = workerData as ShipperThreadData;
const post = (m: ShipperThreadMessage) => parentPort!.postMessage(m);
const log = {
  error: (obj: object, msg: string) => post({ type: 'log', level: 'error', obj: plain(obj), msg }),
  warn: (obj: object, msg: string) => post({ type: 'log', level: 'warn', obj: plain(obj), msg }),
  info: (obj: object, msg: string) => post({ type: 'log', level: 'info', obj: plain(obj), msg }),
  debug: () => {},
};

/** Errors do not survive postMessage's structured clone with their message intact everywhere. */
function plain(obj: object): object {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? v.message : v]));
}

const kafka = createKafka(data.brokers, 'periscope-proxy', log);
const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
let ready: Promise<void> | undefined;
const connect = () => (ready ??= (async () => {
  await ensureTopic(kafka, data.topic, data.partitions);
  await producer.connect();
})().catch((err: unknown) => {
  ready = undefined; // try again on the next send
  throw err;
}));

/** acks=-1 (all in-sync replicas), gzip (built into kafkajs; JSON events compress ~5x). */
const transport: EventTransport = {
  async send(messages) {
    await connect();
    await producer.send({ topic: data.topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  },
};

const reader = await SpoolReader.open(data.spoolDir, { log });
const shipper = new SpoolShipper({ reader, transport, log });
const report = () => post({ type: 'stats', stats: { ...shipper.stats }, backlogBytes: reader.backlogBytes() });
const timer = setInterval(report, 1000);
parentPort!.on('message', (m: { type: 'stop'; drainMs: number }) => {
  if (m.type === 'stop') shipper.stop(m.drainMs);
});
post({ type: 'ready' });
await shipper.run();
clearInterval(timer);
report();
reader.close();
await producer.disconnect().catch(() => undefined);
// The message port would keep the thread alive.
process.exit(0);
