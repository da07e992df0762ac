/**
 * What the Kafka sink does with an event the disk spool rejects because it is full:
 * `drop-newest` drops it (counted, logged loudly) so logging never fails a call;
 * `fail-calls` answers calls with 503 instead, for deployments where every call must be logged.
 */
export const SPOOL_FULL_POLICIES = ['drop-newest', 'fail-calls'] as const;

export type SpoolFullPolicy = (typeof SPOOL_FULL_POLICIES)[number];

/**
 * The CPU priority of the processes that move events after their calls were answered (the
 * embedded store process, the Kafka shipper, `periscope ingest`): `idle` runs them only on CPU
 * the calls leave (Linux SCHED_IDLE; niceness 19 where that cannot be set), `low` at niceness
 * 10, `normal` as started. Also PERISCOPE_BACKGROUND_PRIORITY.
 */
export const BACKGROUND_PRIORITIES = ['idle', 'low', 'normal'] as const;

export type BackgroundPriority = (typeof BACKGROUND_PRIORITIES)[number];
