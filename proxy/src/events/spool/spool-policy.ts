/**
 * What the Kafka sink does with an event the disk spool rejects because it is full:
 * `drop-newest` drops it (counted, logged loudly) so logging never fails a call;
 * `fail-calls` answers calls with 503 instead, for deployments where every call must be logged.
 */
export type SpoolFullPolicy = 'drop-newest' | 'fail-calls';

export const SPOOL_FULL_POLICIES: readonly SpoolFullPolicy[] = ['drop-newest', 'fail-calls'];

export const DEFAULT_SPOOL_FULL_POLICY: SpoolFullPolicy = 'drop-newest';

/** Parses a config or environment value; unset or blank means the default. */
export function parseSpoolFullPolicy(value: string | undefined): SpoolFullPolicy {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return DEFAULT_SPOOL_FULL_POLICY;
  const policy = SPOOL_FULL_POLICIES.find((p) => p === trimmed);
  if (!policy) {
    throw new Error(`invalid spool-full policy "${trimmed}": expected one of ${SPOOL_FULL_POLICIES.join(', ')}`);
  }
  return policy;
}
