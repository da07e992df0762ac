import type { RequestEvent } from '@periscope/contract';
import type { CallRecord } from '../call-record.ts';
import type { CallTrace } from './call-trace.ts';

/** One upstream attempt, as the exporter thread turns it into a child span. */
export interface AttemptRecord {
  spanId: string;
  /** Epoch milliseconds with sub-millisecond precision. */
  startMs: number;
  endMs: number;
  /** Configured provider name, its type, the model group and the model sent upstream. */
  provider: string;
  model: string;
  upstreamModel: string;
  status: number;
  errorType: string;
  method: string;
  url: string;
}

/**
 * What the exporter thread needs to build a call's spans: plain data, cheap to hand over. The
 * GenAI attributes and their encoding are made off the gateway's event loop (see span-builder.ts).
 */
export interface CallSpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  startMs: number;
  endMs: number;
  event: SpanEventFields;
  providerType: string;
  /** gen_ai.request.* parameters, taken from the request body as sent. */
  params: Record<string, unknown>;
  responseId: string;
  finishReasons: string[];
  attempts: AttemptRecord[];
  /** Set only with otel.capture_content: the bodies as stored (scrubbed, clipped, omissions honoured). */
  content: { request: string; response: string; requestTruncated: boolean; responseTruncated: boolean } | undefined;
}

/** The event fields a span reports, in the order they are packed. */
const EVENT_FIELDS = [
  'request_id', 'project_id', 'key_id', 'provider', 'model', 'model_served', 'endpoint', 'status', 'error_type', 'error_message',
  'streamed', 'ttft_ms', 'prompt_tokens', 'completion_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens',
  'cost_usd', 'cost_known', 'cache_status', 'attempts', 'user_id', 'session_id', 'session_path', 'session_name', 'properties',
  'upstream_request_id', 'fallback_model', 'cache_source_request_id', 'cost_saved_usd', 'prompt_cache_expected', 'prompt_cache_hit',
] as const satisfies readonly (keyof RequestEvent)[];

export type SpanEventFields = Pick<RequestEvent, (typeof EVENT_FIELDS)[number]>;

/** Request fields copied for gen_ai.request.* (everything else in the body is left alone). */
const PARAM_FIELDS = [
  'temperature', 'top_p', 'top_k', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'stop', 'stop_sequences',
  'seed', 'frequency_penalty', 'presence_penalty', 'n', 'response_format', 'text', 'encoding_format', 'dimensions',
] as const;

function requestParams(request: Record<string, unknown> | undefined): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (!request) return params;
  for (const field of PARAM_FIELDS) {
    const value = request[field];
    if (value !== undefined && value !== null) params[field] = value;
  }
  return params;
}

/** performance.now() of the call, mapped onto the call's wall-clock start. */
function clock(call: CallRecord, perf: number): number {
  return call.startedAt + (perf - call.t0);
}

const ATTEMPT_WIDTH = 10;
const F = EVENT_FIELDS.length;

/**
 * A call's record as one flat array: structured cloning (postMessage) costs per property, and
 * an array of primitives is several times cheaper to hand over than the same data as nested
 * objects (measured by measure-call-cost.ts). `unpackCallSpanRecord` rebuilds it in the
 * exporter thread.
 */
export type PackedCallSpanRecord = unknown[];

/** Built once the event is: copies what the spans need, nothing that is large unless content capture is on. */
export function packCallSpanRecord(call: CallRecord, trace: CallTrace, event: RequestEvent, captureContent: boolean): PackedCallSpanRecord {
  const endMs = clock(call, performance.now());
  const out: unknown[] = new Array(F + 11);
  for (let i = 0; i < F; i++) out[i] = event[EVENT_FIELDS[i]!];
  out[F] = trace.traceId;
  out[F + 1] = trace.spanId;
  out[F + 2] = trace.parentSpanId;
  out[F + 3] = trace.traceState;
  out[F + 4] = call.startedAt;
  out[F + 5] = endMs;
  out[F + 6] = call.providerType ?? '';
  out[F + 7] = requestParams(trace.request);
  out[F + 8] = trace.observed?.response_id ?? '';
  out[F + 9] = trace.observed?.finish_reasons ?? [];
  const attempts: unknown[] = [];
  call.attemptLog.forEach((log, i) => {
    const span = trace.attempts[i];
    attempts.push(
      span?.spanId ?? trace.ids.spanId(),
      span ? clock(call, span.start) : endMs - log.duration_ms,
      span && span.end > 0 ? clock(call, span.end) : endMs,
      log.provider, log.model, log.upstream_model, log.status, log.error_type, trace.method, span?.url ?? '',
    );
  });
  out[F + 10] = attempts;
  if (captureContent) out.push(event.request_body, event.response_body, event.request_truncated, event.response_truncated);
  return out;
}

export function unpackCallSpanRecord(p: PackedCallSpanRecord): CallSpanRecord {
  const event = {} as Record<string, unknown>;
  for (let i = 0; i < F; i++) event[EVENT_FIELDS[i]!] = p[i];
  const flat = p[F + 10] as unknown[];
  const attempts: AttemptRecord[] = [];
  for (let i = 0; i + ATTEMPT_WIDTH <= flat.length; i += ATTEMPT_WIDTH) {
    const a = flat.slice(i, i + ATTEMPT_WIDTH);
    attempts.push({
      spanId: a[0] as string, startMs: a[1] as number, endMs: a[2] as number, provider: a[3] as string, model: a[4] as string,
      upstreamModel: a[5] as string, status: a[6] as number, errorType: a[7] as string, method: a[8] as string, url: a[9] as string,
    });
  }
  const c = F + 11;
  return {
    event: event as unknown as SpanEventFields,
    traceId: p[F] as string,
    spanId: p[F + 1] as string,
    parentSpanId: p[F + 2] as string,
    traceState: p[F + 3] as string,
    startMs: p[F + 4] as number,
    endMs: p[F + 5] as number,
    providerType: p[F + 6] as string,
    params: p[F + 7] as Record<string, unknown>,
    responseId: p[F + 8] as string,
    finishReasons: p[F + 9] as string[],
    attempts,
    content: p.length > c ? { request: p[c] as string, response: p[c + 1] as string, requestTruncated: p[c + 2] as boolean, responseTruncated: p[c + 3] as boolean } : undefined,
  };
}

/** Spans a packed record becomes: the call's and one per attempt. */
export const packedSpanCount = (p: PackedCallSpanRecord): number => 1 + (p[F + 10] as unknown[]).length / ATTEMPT_WIDTH;
