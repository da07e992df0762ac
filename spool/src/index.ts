export { SpoolWriter, type SpoolLog, type SpoolWriterOptions } from './spool-writer.ts';
export { SpoolReader, type SpoolBatch } from './spool-reader.ts';
export type { SpoolPosition } from './spool-cursor.ts';
export { createKafka, ensureTopic, parseBrokers, type KafkaLog } from './kafka-client.ts';
