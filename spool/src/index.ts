export { SpoolWriter, type SpoolLog, type SpoolWriterOptions } from './spool-writer.ts';
export { SpoolReader, type SpoolBatch } from './spool-reader.ts';
export { SpoolDirInUse } from './writer-lock.ts';
export { ensurePrivateDir, UnsafeDirError, PRIVATE_DIR_WARNING } from './private-dir.ts';
export type { SpoolPosition } from './spool-cursor.ts';
export { parseBrokers } from './brokers.ts';
// The Kafka client is '@periscope/spool/kafka': importing it loads kafkajs, which a gateway
// (it only appends to the spool; its shipper process talks to Kafka) should not carry.
export type { KafkaLog } from './kafka-client.ts';
