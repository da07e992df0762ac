import { Counter, type Registry } from 'prom-client';
import { CallHistogram, TalliedCounter } from './call-metrics.ts';

/** Sub-millisecond steps: a gateway's own share of a call is meant to be well under 1 ms. */
const OVERHEAD_BUCKETS = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

/** The proxy's Prometheus series. The host process owns the registry and serves /metrics. */
export function createProxyMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: new TalliedCounter({
      name: 'periscope_proxy_requests_total',
      help: 'Calls answered by the gateway, by provider, endpoint and status class.',
      labelNames: ['provider', 'endpoint', 'status_class'] as const,
      registers,
    }),
    rejected: new Counter({
      name: 'periscope_proxy_rejected_total',
      help: 'Calls refused before reaching a provider (and not logged as rows), by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'periscope_proxy_upstream_errors_total',
      help: 'Upstream calls that failed without an HTTP answer, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    clientAborts: new Counter({
      name: 'periscope_proxy_client_aborts_total',
      help: 'Calls whose client disconnected before the response ended.',
      registers,
    }),
    eventsEmitted: new Counter({
      name: 'periscope_events_emitted_total',
      help: 'Events accepted by the event sink.',
      registers,
    }),
    eventsDropped: new Counter({
      name: 'periscope_events_dropped_total',
      help: 'Events lost, by reason. Every drop path of the pipeline counts here.',
      labelNames: ['reason'] as const,
      registers,
    }),
    unknownPrice: new Counter({
      name: 'periscope_price_unknown_total',
      help: 'Calls to models missing from the price table (logged with cost 0, cost_known=false).',
      labelNames: ['provider', 'model'] as const,
      registers,
    }),
    usageUnparsed: new Counter({
      name: 'periscope_usage_unparsed_total',
      help: 'Successful calls whose token usage could not be read (body too large or not JSON).',
      labelNames: ['endpoint'] as const,
      registers,
    }),
    streamsWithheld: new Counter({
      name: 'periscope_stored_streams_withheld_total',
      help: 'Streamed responses stored without their body: a reader of the log would have joined their pieces into a secret the piece redaction left.',
      registers,
    }),
    relayFailures: new Counter({
      name: 'periscope_proxy_relay_failures_total',
      help: 'Answers the gateway\'s own code failed on while relaying them: the client\'s connection is cut, the error logged, and the row says internal_error (unless it was logged before the failure, at the answer\'s last bytes).',
      registers,
    }),
    fieldsWithheld: new Counter({
      name: 'periscope_stored_fields_withheld_total',
      help: 'Fields of a row stored as a notice instead, by field (request_body, response_body, model, error_message, ...): their redaction failed (a text of millions of characters past a regular expression\'s limit). The row is kept.',
      labelNames: ['field'] as const,
      registers,
    }),
    attempts: new TalliedCounter({
      name: 'periscope_proxy_attempts_total',
      help: 'Upstream attempts (first tries, retries, failovers, fallbacks), by provider and outcome: ok, retryable (a retry or fallback trigger), failed.',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    fallbacks: new Counter({
      name: 'periscope_proxy_fallbacks_total',
      help: 'Calls that moved on to a fallback model, by the fallback tried.',
      labelNames: ['model'] as const,
      registers,
    }),
    limitsUnavailable: new Counter({
      name: 'periscope_limits_unavailable_total',
      help: 'Limit checks or counts skipped because the counter store (Redis) failed; such calls are admitted.',
      registers,
    }),
    budgetSoftExceeded: new Counter({
      name: 'periscope_budget_soft_exceeded_total',
      help: 'Budgets that crossed their soft threshold, by period.',
      labelNames: ['period'] as const,
      registers,
    }),
    cacheLookups: new Counter({
      name: 'periscope_cache_lookups_total',
      help: 'Calls with the response cache on, by result: hit, miss, bypass (Cache-Control: no-store or max-age=0).',
      labelNames: ['result'] as const,
      registers,
    }),
    cacheErrors: new Counter({
      name: 'periscope_cache_errors_total',
      help: 'Response cache backend failures (the call went on uncached), by operation: get, add, lock.',
      labelNames: ['operation'] as const,
      registers,
    }),
    promptCacheAutoBreakpoints: new Counter({
      name: 'periscope_prompt_cache_auto_breakpoints_total',
      help: 'Anthropic calls whose body got cache_control breakpoints from prompt_cache: auto.',
      registers,
    }),
    otelSpansExported: new Counter({
      name: 'periscope_otel_spans_exported_total',
      help: 'OpenTelemetry spans the collector accepted (a call is one span plus one per upstream attempt).',
      registers,
    }),
    otelSpansDropped: new Counter({
      name: 'periscope_otel_spans_dropped_total',
      help: 'OpenTelemetry spans lost, by reason: queue_full, export_failed (retries used up), rejected (the collector refused the batch), exporter_down, exporter_crashed, build_failed, encode_failed, shutdown.',
      labelNames: ['reason'] as const,
      registers,
    }),
    otelExportFailures: new Counter({
      name: 'periscope_otel_export_failures_total',
      help: 'Failed OTLP export requests (each retry counts), by reason: timeout, connection, http_<status>.',
      labelNames: ['reason'] as const,
      registers,
    }),
    tokens: new TalliedCounter({
      name: 'periscope_tokens_total',
      help: 'Tokens of logged calls by provider, model (as requested), project and type: input (cache reads and writes included), output (reasoning included), cache_read, cache_write, reasoning. Label values are capped; see usage-metrics.ts.',
      labelNames: ['provider', 'model', 'project', 'type'] as const,
      registers,
    }),
    costUsd: new TalliedCounter({
      name: 'periscope_cost_usd_total',
      help: 'Cost in USD of logged calls by provider, model (as requested) and project; replayed cache hits cost 0. Label values are capped; see usage-metrics.ts.',
      labelNames: ['provider', 'model', 'project'] as const,
      registers,
    }),
    overhead: new CallHistogram({
      name: 'periscope_proxy_overhead_seconds',
      help: 'Time from a call\'s arrival until its upstream attempts began: authentication, body parse, cache lookup, routing, limits (the attempt\'s own request building is not included).',
      buckets: OVERHEAD_BUCKETS,
      registers,
    }),
    relayOverhead: new CallHistogram({
      name: 'periscope_proxy_relay_overhead_seconds',
      help: 'Time from the part of a provider\'s answer the client waits on reaching the gateway until it was written to the client: a stream\'s first frame; the last chunk of any other answer (its end, when it has no length), with the call\'s event built and appended to the spool before it.',
      buckets: OVERHEAD_BUCKETS,
      registers,
    }),
  };
}

export type ProxyMetrics = ReturnType<typeof createProxyMetrics>;
