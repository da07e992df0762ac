/**
 * The versioned event contract between the proxy (producer) and ingest (consumer).
 * One event is emitted per proxied call, when its answer is complete. Since version 2 an
 * event's JSON is also its ClickHouse row: field names are the `requests` columns, so the
 * bytes the proxy serialises once go to the spool, to Kafka and into ClickHouse's
 * JSONEachRow unchanged (`attempt_log` lands as its JSON text in a String column).
 */
export const REQUEST_EVENT_VERSION = 2 as const;

export type CacheStatus = 'hit' | 'miss' | 'bypass';

/** One upstream attempt of a call: retries and fallbacks each add one, in order. */
export interface AttemptRecord {
  /** Model group (the name clients send, or a fallback's name) this attempt served. */
  model: string;
  provider: string;
  /** Model sent upstream on this attempt. */
  upstream_model: string;
  /** HTTP status the upstream answered; 0 when it never answered (timeout, connection error). */
  status: number;
  /** '' on success, else the error category (see error_type). */
  error_type: string;
  duration_ms: number;
}

export interface RequestEvent {
  /** First, so a consumer can read it from the bytes without parsing them (see requestIdOf). */
  request_id: string;
  /** Contract version (the `event_version` column); consumers reject versions they do not know. */
  event_version: typeof REQUEST_EVENT_VERSION;
  /** Start of the call, UTC epoch milliseconds. */
  created_at: number;
  project_id: string;
  key_id: string;
  /** Configured provider name (e.g. "openai", "anthropic", "groq"). */
  provider: string;
  /** Model the client asked for. */
  model: string;
  /** Model the upstream reports it served (e.g. a dated snapshot). */
  model_served: string;
  /** Logical endpoint, e.g. "chat.completions", "messages", "passthrough". */
  endpoint: string;
  /** HTTP status the client received; 0 when no response was sent (client gone first). */
  status: number;
  /** '' on success; otherwise a stable category such as "rate_limit", "upstream_timeout", "client_aborted". */
  error_type: string;
  error_message: string;
  streamed: boolean;
  latency_ms: number;
  /** Time to first body byte of a streamed response; null for non-streamed calls. */
  ttft_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  /** False when the model has no price: cost_usd is then 0, never a guess. */
  cost_known: boolean;
  cache_status: CacheStatus;
  attempts: number;
  user_id: string;
  session_id: string;
  session_path: string;
  session_name: string;
  properties: Record<string, string>;
  request_body: string;
  response_body: string;
  request_truncated: boolean;
  response_truncated: boolean;
  user_agent: string;
  /** The provider's own request id (x-request-id / request-id), for support tickets. */
  upstream_request_id: string;
  /** Every upstream attempt, in order; empty for calls that never reached a provider. */
  attempt_log: AttemptRecord[];
  /** The fallback model that served the call; '' when the requested model did. */
  fallback_model: string;
  /** On a response-cache hit: the request whose response was replayed. */
  cache_source_request_id: string;
  /** On a response-cache hit: what the call would have cost upstream. */
  cost_saved_usd: number;
  /** The call repeated a prefix the provider should have cached (same session, long enough). */
  prompt_cache_expected: boolean;
  /** The provider reported cached input tokens. */
  prompt_cache_hit: boolean;
  /** When an expected provider cache hit missed: index of the first prompt block that changed since the previous call of the session; -1 otherwise. */
  prompt_cache_diverged_at: number;
  /** Why the provider prompt cache missed, for people; '' when it hit or was not expected. */
  prompt_cache_miss_reason: string;
}

/** Fields added to version 1 after its first release; events without them get these values. */
export const REQUEST_EVENT_V1_ADDITIONS = {
  attempt_log: [] as AttemptRecord[],
  fallback_model: '',
  cache_source_request_id: '',
  cost_saved_usd: 0,
  prompt_cache_expected: false,
  prompt_cache_hit: false,
  prompt_cache_diverged_at: -1,
  prompt_cache_miss_reason: '',
} satisfies Partial<RequestEvent>;

export type EventValidation = { ok: true; event: RequestEvent; upgraded: boolean } | { ok: false; reason: string };

const STRING_FIELDS = [
  'request_id', 'project_id', 'key_id', 'provider', 'model', 'model_served', 'endpoint',
  'error_type', 'error_message', 'user_id', 'session_id', 'session_path', 'session_name',
  'request_body', 'response_body', 'user_agent', 'upstream_request_id',
] as const satisfies readonly (keyof RequestEvent)[];

const COUNT_FIELDS = [
  'status', 'latency_ms', 'prompt_tokens', 'completion_tokens', 'cache_read_tokens',
  'cache_write_tokens', 'reasoning_tokens', 'attempts',
] as const satisfies readonly (keyof RequestEvent)[];

const BOOLEAN_FIELDS = [
  'streamed', 'cost_known', 'request_truncated', 'response_truncated',
] as const satisfies readonly (keyof RequestEvent)[];

const CACHE_STATUSES: readonly string[] = ['hit', 'miss', 'bypass'];

/** Column widths in ClickHouse: a larger value would be stored wrapped around, silently. */
const UINT32_MAX = 4_294_967_295;
const COUNT_MAX: Record<(typeof COUNT_FIELDS)[number], number> = {
  status: 999,
  latency_ms: UINT32_MAX,
  prompt_tokens: UINT32_MAX,
  completion_tokens: UINT32_MAX,
  cache_read_tokens: UINT32_MAX,
  cache_write_tokens: UINT32_MAX,
  reasoning_tokens: UINT32_MAX,
  attempts: 65_535,
};
/** The largest value of each count the contract takes (its column's width), for producers that clamp. */
export const EVENT_COUNT_MAX: Readonly<Record<(typeof COUNT_FIELDS)[number], number>> = COUNT_MAX;
/** The largest `prompt_cache_diverged_at` the contract takes. */
export const DIVERGED_AT_MAX = 65_535;
/** The most attempts `attempt_log` holds (`attempts` counts them all). */
export const ATTEMPT_LOG_MAX = 100;

/**
 * The latest event time: the last millisecond of the rollups' 32-bit `DateTime` buckets
 * (2106-02-07 06:28:15 UTC). The request log's DateTime64(3) would take times up to 2299, but the
 * rollups would count a later event at a wrapped-around time, so it is refused rather than
 * stored with a wrong count (a gateway clock 80 years off, or another producer's bad value).
 */
export const CREATED_AT_MAX = 0xffff_ffff * 1000 + 999;

const isCount = (x: unknown, max: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;

/**
 * Checks an untrusted decoded value against the contract; the reason names the bad field.
 * A version-1 event (from a spool or topic written before version 2) is upgraded in place:
 * `upgraded` says its bytes are not a row and must be encoded again.
 */
export function validateRequestEvent(value: unknown): EventValidation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'event is not a JSON object' };
  }
  const e = value as Record<string, unknown>;
  const legacy = e.event_version === undefined && e.v === 1;
  // A row's own bookkeeping column: an event that sets it could outrank other rows of its id.
  if (e.inserted_at !== undefined) return { ok: false, reason: 'inserted_at is not an event field' };
  if (!legacy && e.event_version !== REQUEST_EVENT_VERSION) {
    return { ok: false, reason: `unsupported event version ${JSON.stringify(e.event_version ?? e.v)}` };
  }
  for (const f of STRING_FIELDS) if (typeof e[f] !== 'string') return { ok: false, reason: `${f} must be a string` };
  if ((e.request_id as string).length === 0) return { ok: false, reason: 'request_id must not be empty' };
  if ((e.project_id as string).length === 0) return { ok: false, reason: 'project_id must not be empty' };
  for (const f of COUNT_FIELDS) {
    if (!isCount(e[f], COUNT_MAX[f])) return { ok: false, reason: `${f} must be an integer from 0 to ${COUNT_MAX[f]}` };
  }
  for (const f of BOOLEAN_FIELDS) if (typeof e[f] !== 'boolean') return { ok: false, reason: `${f} must be a boolean` };
  if (!isCount(e.created_at, CREATED_AT_MAX)) return { ok: false, reason: 'created_at must be epoch milliseconds up to 2106-02-07 06:28:15.999 UTC' };
  if (e.ttft_ms !== null && !isCount(e.ttft_ms, UINT32_MAX)) {
    return { ok: false, reason: 'ttft_ms must be null or an integer from 0 to 4294967295' };
  }
  if (typeof e.cost_usd !== 'number' || !Number.isFinite(e.cost_usd) || e.cost_usd < 0) {
    return { ok: false, reason: 'cost_usd must be a non-negative number' };
  }
  if (!CACHE_STATUSES.includes(e.cache_status as string)) return { ok: false, reason: 'cache_status must be hit, miss or bypass' };
  const props = e.properties;
  if (typeof props !== 'object' || props === null || Array.isArray(props)) return { ok: false, reason: 'properties must be an object' };
  for (const [k, val] of Object.entries(props)) {
    if (typeof val !== 'string') return { ok: false, reason: `properties.${k} must be a string` };
  }
  // Version-1 events from before these fields existed are still valid.
  if (legacy) for (const [k, v] of Object.entries(REQUEST_EVENT_V1_ADDITIONS)) if (e[k] === undefined) e[k] = Array.isArray(v) ? [] : v;
  for (const f of ['fallback_model', 'cache_source_request_id', 'prompt_cache_miss_reason'] as const) {
    if (typeof e[f] !== 'string') return { ok: false, reason: `${f} must be a string` };
  }
  for (const f of ['prompt_cache_expected', 'prompt_cache_hit'] as const) {
    if (typeof e[f] !== 'boolean') return { ok: false, reason: `${f} must be a boolean` };
  }
  if (typeof e.cost_saved_usd !== 'number' || !Number.isFinite(e.cost_saved_usd) || e.cost_saved_usd < 0) {
    return { ok: false, reason: 'cost_saved_usd must be a non-negative number' };
  }
  if (!Number.isInteger(e.prompt_cache_diverged_at) || (e.prompt_cache_diverged_at as number) < -1 || (e.prompt_cache_diverged_at as number) > DIVERGED_AT_MAX) {
    return { ok: false, reason: `prompt_cache_diverged_at must be an integer from -1 to ${DIVERGED_AT_MAX}` };
  }
  const attemptError = checkAttemptLog(e.attempt_log);
  if (attemptError) return { ok: false, reason: attemptError };
  if (!legacy) return { ok: true, event: e as unknown as RequestEvent, upgraded: false };
  const { v: _version, request_id, ...rest } = e;
  return { ok: true, event: { request_id, event_version: REQUEST_EVENT_VERSION, ...rest } as unknown as RequestEvent, upgraded: true };
}

function checkAttemptLog(log: unknown): string | undefined {
  if (!Array.isArray(log)) return 'attempt_log must be an array';
  if (log.length > ATTEMPT_LOG_MAX) return `attempt_log holds at most ${ATTEMPT_LOG_MAX} attempts`;
  for (const [i, a] of log.entries()) {
    if (typeof a !== 'object' || a === null) return `attempt_log[${i}] must be an object`;
    const r = a as Record<string, unknown>;
    for (const f of ['model', 'provider', 'upstream_model', 'error_type'] as const) {
      if (typeof r[f] !== 'string') return `attempt_log[${i}].${f} must be a string`;
    }
    if (!isCount(r.status, 999)) return `attempt_log[${i}].status must be an integer from 0 to 999`;
    if (!isCount(r.duration_ms, UINT32_MAX)) return `attempt_log[${i}].duration_ms must be a non-negative integer`;
  }
  return undefined;
}
