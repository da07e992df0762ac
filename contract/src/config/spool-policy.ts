/**
 * What the Kafka sink does with an event the disk spool rejects because it is full:
 * `drop-newest` drops it (counted, logged loudly) so logging never fails a call;
 * `fail-calls` answers calls with 503 instead, for deployments where every call must be logged.
 */
export const SPOOL_FULL_POLICIES = ['drop-newest', 'fail-calls'] as const;

export type SpoolFullPolicy = (typeof SPOOL_FULL_POLICIES)[number];
