import type { Observed } from '../usage/usage.ts';
import { formatTraceparent, type IdSource } from './trace-context.ts';

/** One upstream attempt's span: its id goes upstream in traceparent before the attempt is sent. */
export interface AttemptSpan {
  spanId: string;
  /** performance.now() at the start and end (0 until it ended: the served attempt ends with the call). */
  start: number;
  end: number;
  /** The upstream URL (its query string is never exported). */
  url: string;
}

/**
 * The trace state of one call, on its CallRecord while tracing is on: the call span's ids and
 * parent, the attempt spans, and what the span needs beyond the event (request parameters,
 * response id and finish reasons). Present on unsampled calls too, because their upstream
 * requests still carry the context (with the sampled flag off).
 */
export class CallTrace {
  readonly attempts: AttemptSpan[] = [];
  /** The parsed request body, for gen_ai.request.* parameters. */
  request: Record<string, unknown> | undefined;
  /** Usage as parsed for the event, with the response id and finish reasons. */
  observed: Observed | undefined;

  constructor(
    readonly ids: IdSource,
    readonly traceId: string,
    readonly spanId: string,
    /** The caller's span; '' when the call started the trace. */
    readonly parentSpanId: string,
    readonly traceState: string,
    readonly sampled: boolean,
    /** The client's HTTP method, which each upstream attempt repeats. */
    readonly method = 'POST',
  ) {}

  startAttempt(): void {
    this.attempts.push({ spanId: this.ids.spanId(), start: performance.now(), end: 0, url: '' });
  }

  /** A failed attempt ends when its answer (or error) is in; the one that serves ends with the call. */
  endAttempt(): void {
    const attempt = this.attempts.at(-1);
    if (attempt) attempt.end = performance.now();
  }

  /** Sets the current attempt's traceparent (and the caller's tracestate) on the upstream request. */
  inject(headers: Record<string, string>, url: string): void {
    const attempt = this.attempts.at(-1);
    if (attempt) attempt.url = url;
    headers.traceparent = formatTraceparent(this.traceId, attempt?.spanId ?? this.spanId, this.sampled);
    if (this.traceState) headers.tracestate = this.traceState;
    else delete headers.tracestate;
  }
}
