import type { RequestEvent } from '@periscope/clickhouse/contract';
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

/** The event fields a span reports (bodies excluded: content goes through `content`). */
export type SpanEventFields = Omit<RequestEvent, 'request_body' | 'response_body' | 'attempt_log' | 'v'>;

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

/** performance.now() of the call's start, mapped onto the call's wall-clock start. */
function clock(call: CallRecord): (perf: number) => number {
  return (perf) => call.startedAt + (perf - call.t0);
}

function attemptRecords(call: CallRecord, trace: CallTrace, endMs: number, method: string): AttemptRecord[] {
  const at = clock(call);
  return call.attemptLog.map((log, i) => {
    const span = trace.attempts[i];
    const startMs = span ? at(span.start) : endMs - log.duration_ms;
    return {
      spanId: span?.spanId ?? trace.ids.spanId(),
      startMs,
      endMs: span && span.end > 0 ? at(span.end) : endMs,
      provider: log.provider,
      model: log.model,
      upstreamModel: log.upstream_model,
      status: log.status,
      errorType: log.error_type,
      method,
      url: span?.url ?? '',
    };
  });
}

/** Built once the event is: copies what the spans need, nothing that is large unless content capture is on. */
export function callSpanRecord(call: CallRecord, trace: CallTrace, event: RequestEvent, method: string, captureContent: boolean): CallSpanRecord {
  const endMs = clock(call)(performance.now());
  const { request_body, response_body, attempt_log: _log, v: _v, ...fields } = event;
  return {
    traceId: trace.traceId,
    spanId: trace.spanId,
    parentSpanId: trace.parentSpanId,
    traceState: trace.traceState,
    startMs: call.startedAt,
    endMs,
    event: fields,
    providerType: call.providerType ?? '',
    params: requestParams(trace.request),
    responseId: trace.observed?.response_id ?? '',
    finishReasons: trace.observed?.finish_reasons ?? [],
    attempts: attemptRecords(call, trace, endMs, method),
    content: captureContent
      ? { request: request_body, response: response_body, requestTruncated: event.request_truncated, responseTruncated: event.response_truncated }
      : undefined,
  };
}
