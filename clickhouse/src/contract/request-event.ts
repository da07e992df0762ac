/**
 * The versioned event contract between the proxy (producer) and ingest (consumer).
 * One event is emitted per proxied call, after the response ended. Field names are the
 * API row / ClickHouse column names from DESIGN.md ("A logged request").
 */
export const REQUEST_EVENT_VERSION = 1 as const;

export type CacheStatus = 'hit' | 'miss' | 'bypass';

export interface RequestEvent {
  /** Contract version; consumers reject versions they do not know. */
  v: typeof REQUEST_EVENT_VERSION;
  request_id: string;
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
}

export type EventValidation = { ok: true; event: RequestEvent } | { ok: false; reason: string };

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
/** DateTime64(3) ends with 2299. */
const CREATED_AT_MAX = Date.UTC(2300, 0, 1) - 1;

const isCount = (x: unknown, max: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;

/** Checks an untrusted decoded value against the contract; the reason names the bad field. */
export function validateRequestEvent(value: unknown): EventValidation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'event is not a JSON object' };
  }
  const e = value as Record<string, unknown>;
  if (e.v !== REQUEST_EVENT_VERSION) return { ok: false, reason: `unsupported event version ${JSON.stringify(e.v)}` };
  for (const f of STRING_FIELDS) if (typeof e[f] !== 'string') return { ok: false, reason: `${f} must be a string` };
  if ((e.request_id as string).length === 0) return { ok: false, reason: 'request_id must not be empty' };
  if ((e.project_id as string).length === 0) return { ok: false, reason: 'project_id must not be empty' };
  for (const f of COUNT_FIELDS) {
    if (!isCount(e[f], COUNT_MAX[f])) return { ok: false, reason: `${f} must be an integer from 0 to ${COUNT_MAX[f]}` };
  }
  for (const f of BOOLEAN_FIELDS) if (typeof e[f] !== 'boolean') return { ok: false, reason: `${f} must be a boolean` };
  if (!isCount(e.created_at, CREATED_AT_MAX)) return { ok: false, reason: 'created_at must be epoch milliseconds before 2300' };
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
  return { ok: true, event: e as unknown as RequestEvent };
}
