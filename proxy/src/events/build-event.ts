import { ATTEMPT_LOG_MAX, DIVERGED_AT_MAX, EVENT_COUNT_MAX, REQUEST_EVENT_VERSION, type RequestEvent } from '@periscope/contract';
import { STORED_BODY_MARGIN, type CallRecord, type PreparedStoredBody } from '../call-record.ts';
import { usageFromJson, emptyUsage, type Observed, type TokenUsage } from '../usage/usage.ts';
import { readersJoinSecret, WITHHELD_STREAM } from './reader-joins.ts';
import { redactSecrets, redactStoredBody } from './redact.ts';
import { normalizeModelName } from '../pricing/model-names.ts';
import { MAX_VALUE_LENGTH } from '../request-metadata.ts';
import { type PriceBook } from '../pricing/price-types.ts';
import type { ProxyMetrics } from '../metrics.ts';

export interface EventBuildDeps {
  priceBook: PriceBook;
  maxStoredBodyBytes: number;
  metrics: ProxyMetrics;
}

function observedUsage(call: CallRecord, metrics: ProxyMetrics): Observed {
  if (call.streamObserved) return call.streamObserved;
  const none: Observed = { usage: emptyUsage(), sawUsage: false, model_served: '' };
  if (call.status < 200 || call.status >= 300 || call.endpoint === 'passthrough' || call.endpoint === 'models') return none;
  if (!call.response.complete) {
    metrics.usageUnparsed.inc({ endpoint: call.endpoint });
    return none;
  }
  try {
    return usageFromJson(call.endpoint, JSON.parse(call.response.text()), call.trace !== undefined);
  } catch {
    metrics.usageUnparsed.inc({ endpoint: call.endpoint });
    return none;
  }
}

/**
 * Token counts within the contract's columns: a provider (or a client's own target URL) may
 * report any number, and an event the contract refuses would leave an answered call without a
 * row. The price is computed from the same counts.
 */
function withinContract(usage: TokenUsage): TokenUsage {
  const m = EVENT_COUNT_MAX;
  if (usage.prompt_tokens <= m.prompt_tokens && usage.completion_tokens <= m.completion_tokens && usage.cache_read_tokens <= m.cache_read_tokens
    && usage.cache_write_tokens <= m.cache_write_tokens && usage.reasoning_tokens <= m.reasoning_tokens) return usage;
  const clamped: TokenUsage = Object.assign({}, usage, {
    prompt_tokens: Math.min(usage.prompt_tokens, m.prompt_tokens),
    completion_tokens: Math.min(usage.completion_tokens, m.completion_tokens),
    cache_read_tokens: Math.min(usage.cache_read_tokens, m.cache_read_tokens),
    cache_write_tokens: Math.min(usage.cache_write_tokens, m.cache_write_tokens),
    reasoning_tokens: Math.min(usage.reasoning_tokens, m.reasoning_tokens),
  });
  if (clamped.cache_write_1h_tokens !== undefined) clamped.cache_write_1h_tokens = Math.min(clamped.cache_write_1h_tokens, clamped.cache_write_tokens);
  return clamped;
}

/**
 * Stored in place of a body whose redaction failed, so that the call keeps its row: a text of
 * millions of characters can take a regular expression of the redaction past V8's backtracking
 * limit (a RangeError; the row was dropped before). Counted (periscope_stored_fields_withheld_total).
 */
export const WITHHELD_BODY = '[Periscope withheld this body: it could not be checked for secrets.]';
/** WITHHELD_BODY for another field (a model name a client sent, an error message; helper-74). */
export const WITHHELD_VALUE = '[Periscope withheld this value: it could not be checked for secrets.]';

/**
 * How much of a model name is stored (the one the client asked for, the one that served, those
 * of the attempt log, the fallback): a request may be 32 MB, and an event past the broker's
 * message.max.bytes (1 MiB by default) would be dropped there, its call without a row.
 */
const MAX_MODEL_CHARS = 1024;
const MAX_ERROR_MESSAGE_CHARS = 4096;
const MAX_USER_AGENT_CHARS = 512;

/**
 * A field's text as stored: redacted and clipped to `max` characters as bodies are (redactedClip;
 * `cut`: the text is the start of a longer one), or WITHHELD_VALUE where the redaction throws,
 * counted.
 */
type FieldScrub = (field: string, text: string, max?: number, cut?: boolean) => string;

function fieldScrub(secrets: readonly string[], metrics: ProxyMetrics): FieldScrub {
  return (field, text, max = Number.POSITIVE_INFINITY, cut = false) => {
    try {
      return redactedClip(text, max, cut, secrets, (read) => redactSecrets(read, secrets), true).out;
    } catch {
      metrics.fieldsWithheld.inc({ field });
      return WITHHELD_VALUE;
    }
  };
}

/**
 * What is never stored of a text redacted after a cut: its end. A secret the cut goes through is
 * not redacted (only its start is there), and a redaction before it that shortened the text (a
 * long key replaced by REDACTED) pulls it towards the start, into what is stored (helper-75: 39
 * of a 40-character secret stored). The guard is longer than any part of a secret a cut can
 * leave: 8 KB, or eight times the call's longest secret (a secret spelled with `\uXXXX` escapes
 * takes six characters a character; helper-76: 518 characters of a 3,000-character one's
 * spelling). In bytes for a body (its limit is in bytes: a guard in characters took three times
 * as much of a CJK text, helper-76); for a field, in characters, the longest secret. The text is
 * read twice the guard past `max`, so that what is kept still reaches `max` when the redaction
 * shortened nothing.
 */
function cutGuard(secrets: readonly string[], chars: boolean): number {
  let longest = 0;
  for (const secret of secrets) longest = Math.max(longest, secret.length);
  // A field is redacted as written (redactSecrets: no escapes decoded), so what a cut leaves of a
  // secret is shorter than the secret, or than a key pattern's shortest match.
  return chars ? Math.max(FIELD_CUT_GUARD, longest) : Math.max(STORED_BODY_MARGIN / 2, 8 * longest);
}

/** The shortest guard of a field: longer than what a cut leaves of a key-shaped string (`AIza` and 29 characters, a bearer token's 19). */
const FIELD_CUT_GUARD = 64;

/**
 * `text` redacted, then clipped to `max` (bytes, or characters with `chars`): redacted with a
 * margin past `max`, so a cut through a key cannot leave its start behind, and, when `text` was
 * cut (here, or before: `cut`), without the guard's length at its end (cutGuard).
 */
function redactedClip(text: string, max: number, cut: boolean, secrets: readonly string[], redact: (read: string) => string, chars: boolean): { out: string; truncated: boolean } {
  const guard = cutGuard(secrets, chars);
  const window = max + Math.max(STORED_BODY_MARGIN, 2 * guard);
  const read = text.length > window ? text.slice(0, window) : text;
  const redacted = redact(read);
  const guarded = cut || read !== text;
  if (chars) {
    const safe = guarded ? redacted.slice(0, Math.max(0, redacted.length - guard)) : redacted;
    return { out: safe.length > max ? safe.slice(0, max) : safe, truncated: safe.length > max || safe !== redacted };
  }
  if (!guarded && Buffer.byteLength(redacted) <= max) return { out: redacted, truncated: false };
  const bytes = Buffer.from(redacted);
  const keep = Math.min(max, guarded ? Math.max(0, bytes.length - guard) : bytes.length);
  return { out: bytes.subarray(0, keep).toString('utf8'), truncated: true };
}

interface StoredBody {
  body: string;
  truncated: boolean;
  /** The body's redaction failed: WITHHELD_BODY is stored. */
  withheld?: true;
}

/**
 * A body as stored (redactedClip). `knownJson`: JSON.parse took the text, a byte order mark
 * aside (redactStoredBody's cheaper path). `cut`: the text is the start of a longer body.
 */
function storedBody(text: string, omit: boolean, max: number, secrets: string[], knownJson: boolean, cut: boolean): StoredBody {
  if (omit) return { body: '', truncated: false };
  try {
    const { out, truncated } = redactedClip(text, max, cut, secrets, (read) => redactStoredBody(read, secrets, knownJson), false);
    return { body: out, truncated };
  } catch {
    return { body: WITHHELD_BODY, truncated: false, withheld: true };
  }
}

/** Properties (names and values) with secrets scrubbed; the same object when none held one. */
function scrubbedProperties(properties: Record<string, string>, scrub: FieldScrub): Record<string, string> {
  let changed = false;
  const out: Record<string, string> = {};
  for (const name in properties) {
    const value = properties[name]!;
    const n = scrub('property', name);
    const v = scrub('property', value, undefined, clippedWhenRead(value));
    if (n !== name || v !== value) changed = true;
    out[n] = v;
  }
  return changed ? out : properties;
}

/** A metadata header's value as long as the clip that read it (request-metadata.ts) may be the start of a longer one. */
const clippedWhenRead = (value: string) => value.length >= MAX_VALUE_LENGTH;

/**
 * The attempt log with secrets scrubbed from the model names it records (they come from the
 * client). A log longer than the contract takes (many deployments in each of several fallback
 * groups) keeps its first attempts and its last, the one that answered.
 */
function scrubbedAttempts(call: CallRecord, scrub: FieldScrub): CallRecord['attemptLog'] {
  const all = call.attemptLog;
  const log = all.length > ATTEMPT_LOG_MAX ? [...all.slice(0, ATTEMPT_LOG_MAX - 1), all[all.length - 1]!] : all;
  let changed = false;
  const scrubbed = log.map((a) => {
    const model = scrub('attempt_log', a.model, MAX_MODEL_CHARS);
    const upstreamModel = scrub('attempt_log', a.upstream_model, MAX_MODEL_CHARS);
    if (model === a.model && upstreamModel === a.upstream_model) return a;
    changed = true;
    return Object.assign({}, a, { model, upstream_model: upstreamModel });
  });
  return changed ? scrubbed : log;
}

/**
 * The request's first `limit` bytes as text: the text the gateway decoded to parse the body, when
 * the whole body is that short and that text is the bytes' own (not when a byte order mark,
 * which the decoder drops, leads them), else a decode of those bytes.
 */
function storedRequestText(raw: Buffer, decoded: string | undefined, limit: number): string {
  if (decoded !== undefined && raw.length <= limit && raw[0] !== 0xef) return decoded;
  return raw.subarray(0, limit).toString('utf8');
}

/** The request's body as stored: redacted, then clipped to `max` bytes. */
function storedRequest(call: CallRecord, max: number): StoredBody {
  const limit = max + Math.max(STORED_BODY_MARGIN, 2 * cutGuard(call.secrets, false));
  const requestText = call.requestBody ? storedRequestText(call.requestBody, call.requestText, limit) : '';
  // requestText is the text the gateway parsed (relay-call.ts); a body it did not parse may be anything.
  return storedBody(requestText, call.meta.omitRequest, max, call.secrets, call.requestText !== undefined, (call.requestBody?.length ?? 0) > limit);
}

/**
 * From this size on a request's stored body is redacted while the provider answers
 * (prepareStoredRequest); a shorter one takes under about 0.1 ms, left to buildEvent.
 */
const PREPARE_MIN_BYTES = 16 * 1024;

/**
 * Redacts a long request's stored body ahead of the event, once the call went upstream, so that
 * the scrub of an agent's request (1.3-1.5 ms for 150 KB) runs while the provider works instead
 * of on the answer's way to the client. buildEvent takes the result only if the call's secrets
 * are still those it was computed with: a later attempt adds its provider key.
 *
 * It waits for one poll of the event loop after the request was written: run in the same turn,
 * the scrub held the request's last bytes back (the bench's mock answered 1.3 ms later, though
 * undici had handed the whole body to the kernel; the loopback delivery of what a write queues
 * runs on the writer's core, seemingly once the gateway enters the kernel again), and the call
 * gained nothing (docs/benchmarks.md, "Redacting an agent's request while the provider answers").
 * Where the socket takes less than the body at once (a slow link), its tail can still wait for
 * the scrub: the answer then comes that much later and is built that much sooner, as before.
 *
 * Memory: the call holds at most one more copy of its stored request (up to `max` bytes; often
 * none, when no pass changed the text the gateway parsed) from here until it ends, instead of
 * only at its end: for long agent streams, about `max` per stream in flight at worst.
 */
export function prepareStoredRequest(call: CallRecord, max: number): void {
  if (!call.requestBody || call.requestBody.length < PREPARE_MIN_BYTES || call.meta.omitRequest) return;
  // An immediate set from an immediate runs in the loop's next turn, after its poll.
  setImmediate(() => setImmediate(() => {
    if (call.event || call.preparedRequest) return;
    try {
      call.preparedRequest = Object.assign(storedRequest(call, max), { secrets: call.secrets.length, max });
    } catch {
      // buildEvent does it again, where a failure is counted (events dropped, build_failed).
    }
  }));
}

/**
 * The response's body as stored; a stream whose readers would still join a secret out of it
 * (reader-joins.ts) is stored without it, counted.
 */
function storedResponse(call: CallRecord, max: number, metrics: ProxyMetrics): StoredBody {
  const res = storedBody(call.response.text(), call.meta.omitResponse, max, call.secrets, false, !call.response.complete);
  if (!readersJoinSecret(call.endpoint, res.body, call.secrets)) return res;
  metrics.streamsWithheld.inc();
  return { body: WITHHELD_STREAM, truncated: res.truncated };
}

const preparedFor = (call: CallRecord, max: number): PreparedStoredBody | undefined => {
  const prepared = call.preparedRequest;
  return prepared && prepared.secrets === call.secrets.length && prepared.max === max ? prepared : undefined;
};

/**
 * Runs when the answer is complete, before its last byte goes out: parses usage, prices it, scrubs secrets, clips bodies.
 * Everything a client or provider wrote is scrubbed the same way (exact credentials of the
 * call and key-shaped strings): bodies, error message, user agent, and the metadata from
 * headers and body (user, session, properties, model names), which readers of the log see.
 */
export function buildEvent(call: CallRecord, deps: EventBuildDeps): RequestEvent {
  const observed = observedUsage(call, deps.metrics);
  if (call.trace) call.trace.observed = observed;
  const usage = withinContract(observed.usage);
  const scrub = fieldScrub(call.secrets, deps.metrics);
  const model = scrub('model', call.model, MAX_MODEL_CHARS);
  const modelServed = scrub('model_served', observed.model_served, MAX_MODEL_CHARS);
  const pricedModel = modelServed || model;
  let cost = { cost_usd: 0, known: true };
  if (observed.sawUsage && call.providerType) {
    cost = deps.priceBook.cost(call.providerType, pricedModel, usage);
    if (!cost.known) deps.metrics.unknownPrice.inc({ provider: call.provider, model: normalizeModelName(pricedModel).slice(0, 100) });
  }
  // A replayed response cost nothing now; what it would have cost is the saving.
  const hit = call.cacheStatus === 'hit';
  const promptCacheHit = usage.cache_read_tokens > 0;
  const expected = call.promptCache?.expected ?? false;
  const max = deps.maxStoredBodyBytes;
  const req = preparedFor(call, max) ?? storedRequest(call, max);
  const res = storedResponse(call, max, deps.metrics);
  if (req.withheld) deps.metrics.fieldsWithheld.inc({ field: 'request_body' });
  if (res.withheld) deps.metrics.fieldsWithheld.inc({ field: 'response_body' });
  return {
    request_id: call.requestId,
    event_version: REQUEST_EVENT_VERSION,
    created_at: call.startedAt,
    project_id: call.projectId,
    key_id: call.keyId,
    provider: call.provider,
    model,
    model_served: modelServed,
    endpoint: call.endpoint,
    status: call.status,
    error_type: call.errorType,
    error_message: scrub('error_message', call.errorMessage, MAX_ERROR_MESSAGE_CHARS),
    streamed: call.streamed,
    latency_ms: Math.max(0, Math.round(performance.now() - call.t0)),
    ttft_ms: call.ttftMs,
    // Named one by one: the 1-hour share of the cache writes only prices the call, it has no column.
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    cache_read_tokens: usage.cache_read_tokens,
    cache_write_tokens: usage.cache_write_tokens,
    reasoning_tokens: usage.reasoning_tokens,
    cost_usd: hit ? 0 : cost.cost_usd,
    cost_known: cost.known,
    cache_status: call.cacheStatus,
    attempts: Math.min(call.attempts, EVENT_COUNT_MAX.attempts),
    user_id: scrub('user_id', call.meta.userId, undefined, clippedWhenRead(call.meta.userId)),
    session_id: scrub('session_id', call.meta.sessionId, undefined, clippedWhenRead(call.meta.sessionId)),
    session_path: scrub('session_path', call.meta.sessionPath, undefined, clippedWhenRead(call.meta.sessionPath)),
    session_name: scrub('session_name', call.meta.sessionName, undefined, clippedWhenRead(call.meta.sessionName)),
    properties: scrubbedProperties(call.meta.properties, scrub),
    request_body: req.body,
    response_body: res.body,
    request_truncated: req.truncated || (call.requestBody !== undefined && call.requestBody.length > max && !call.meta.omitRequest),
    response_truncated: res.truncated || (!call.response.complete && !call.meta.omitResponse),
    user_agent: scrub('user_agent', call.userAgent, MAX_USER_AGENT_CHARS),
    upstream_request_id: scrub('upstream_request_id', call.upstreamRequestId),
    attempt_log: scrubbedAttempts(call, scrub),
    fallback_model: scrub('fallback_model', call.fallbackModel, MAX_MODEL_CHARS),
    cache_source_request_id: call.cacheSourceRequestId,
    cost_saved_usd: hit ? cost.cost_usd : 0,
    prompt_cache_expected: expected,
    prompt_cache_hit: promptCacheHit,
    // A prompt of more blocks than the column counts: "at the last index or later".
    prompt_cache_diverged_at: expected && !promptCacheHit ? Math.min(call.promptCache?.divergedAt ?? -1, DIVERGED_AT_MAX) : -1,
    prompt_cache_miss_reason: expected && !promptCacheHit ? (call.promptCache?.missReason ?? '') : '',
  };
}
