/** The event pipeline's sections of the config: the disk spool (`logging.spool`) and Kafka. */
import { z } from 'zod';
import { SPOOL_FULL_POLICIES } from './spool-policy.ts';

/**
 * The disk spool every event is appended to before its answer ends; a reader in another
 * process (the store of `periscope start`) or thread (the Kafka shipper) moves events on.
 */
export const spoolSchema = z.strictObject({
  /** Default: `<data-dir>/spool`. */
  dir: z.string().optional(),
  max_bytes: z.number().int().positive().default(1024 * 1024 * 1024),
  fsync_interval_ms: z.number().int().positive().default(200),
  /** drop-newest counts and logs each dropped event; fail-calls answers 503 while the spool is full. */
  on_full: z.enum(SPOOL_FULL_POLICIES).default('drop-newest'),
});

export const kafkaSchema = z.strictObject({
  /** host:port list; also `--kafka` / PERISCOPE_KAFKA_BROKERS. Empty = the embedded store reads the spool itself. */
  brokers: z.array(z.string()).default([]),
  topic: z.string().default('periscope.events'),
  dead_letter_topic: z.string().default('periscope.events.dlq'),
  /** Used when the gateway creates the topic. */
  partitions: z.number().int().positive().default(6),
  /**
   * The ingest's consumer group. Deployments that share a broker need one each: a group divides
   * only its leader's topics, so members of one group on different topics starve each other.
   */
  group_id: z.string().min(1).default('periscope-ingest'),
  /** Ingest consumer session: how long a crashed worker holds its partitions before a rebalance. */
  session_timeout_ms: z.number().int().min(6000).default(30_000),
  /** No longer used: every event goes to the disk spool first (accepted so older files still load). */
  memory_queue_events: z.number().int().positive().optional(),
  /** Older name of `logging.spool`, used when that is not set. */
  spool: spoolSchema.optional(),
});

