/**
 * The Kafka shipper's process (started by start-shipper.ts): reads the spool, produces to Kafka,
 * and reports its counters to the gateway after each committed batch and once a second. Producing (batching, compression, the
 * protocol) never runs in the gateway's process.
 */
import { CompressionTypes } from 'kafkajs';
import { SpoolReader } from '@periscope/spool';
import { createKafka, ensureTopic } from '@periscope/spool/kafka';
import { SpoolShipper, type EventTransport } from './spool-shipper.ts';
import type { FromShipper, ToShipper } from './start-shipper.ts';
import { runInBackground } from '../runtime/background-priority.ts';

const post = (m: FromShipper) => {
  if (process.connected) process.send!(m);
};
const log = {
  error: (obj: object, msg: string) => post({ type: 'log', level: 'error', obj: plain(obj), msg }),
  warn: (obj: object, msg: string) => post({ type: 'log', level: 'warn', obj: plain(obj), msg }),
  info: (obj: object, msg: string) => post({ type: 'log', level: 'info', obj: plain(obj), msg }),
  debug: () => {},
};

/** Errors do not survive the IPC channel's serialisation with their message. */
function plain(obj: object): object {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? v.message : v]));
}

const start = await new Promise<Extract<ToShipper, { type: 'start' }>>((resolve) => {
  process.once('message', (m: ToShipper) => {
    if (m.type === 'start') resolve(m);
  });
});

// Shipping yields a contended core to the gateway's calls (see background-priority.ts).
const fellShort = runInBackground(start.priority);
if (fellShort) log.warn({}, `Kafka shipper: ${fellShort}`);

const kafka = createKafka(start.brokers, 'periscope-proxy', log);
// No retries inside kafkajs: a request it sent again after a lost acknowledgement would append
// the batch twice, unmarked. SpoolShipper sends again itself, with the resent header.
const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, retry: { retries: 0 } });
let ready: Promise<void> | undefined;
const connect = () => (ready ??= (async () => {
  await ensureTopic(kafka, start.topic, start.partitions);
  await producer.connect();
})().catch((err: unknown) => {
  ready = undefined; // try again on the next send
  throw err;
}));

/** acks=-1 (all in-sync replicas), gzip (built into kafkajs; JSON events compress ~5x). */
const transport: EventTransport = {
  async send(messages) {
    await connect();
    await producer.send({ topic: start.topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  },
};

const reader = await SpoolReader.open(start.spoolDir, { log });
const report = () => post({ type: 'stats', stats: { ...shipper.stats }, backlogBytes: reader.backlogBytes() });
const shipper: SpoolShipper = new SpoolShipper({ reader, transport, log, onCommitted: report });
const timer = setInterval(report, 1000);
process.on('message', (m: ToShipper) => {
  if (m.type === 'stop') shipper.stop(m.drainMs);
});
// The gateway died without stopping this process (SIGKILL, OOM): stop at once, so the next
// gateway's shipper is the only reader of the spool. A batch in flight is sent again by it
// (delivery is at-least-once either way).
process.once('disconnect', () => process.exit(0));
post({ type: 'ready' });
await shipper.run();
clearInterval(timer);
report();
reader.close();
await producer.disconnect().catch(() => undefined);
// The IPC channel would keep the process alive.
process.exit(0);
