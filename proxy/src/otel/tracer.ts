import type { IncomingHttpHeaders } from 'node:http';
import type { RequestEvent, OtelConfig } from '@periscope/contract';
import type { CallRecord } from '../call-record.ts';
import type { ProxyMetrics } from '../metrics.ts';
import { CallTrace } from './call-trace.ts';
import type { ExporterSettings } from './export-protocol.ts';
import { SpanExporter, type ExporterLog } from './span-exporter.ts';
import { packCallSpanRecord } from './span-record.ts';
import { IdSource, parseTraceContext, shouldSample } from './trace-context.ts';

const SERVICE_VERSION = '0.1.0';

/** `endpoint` as configured, with the OTLP traces path added to a bare collector address. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.toString();
}

/**
 * OpenTelemetry for the gateway: each call gets a trace context (the caller's traceparent as
 * parent, or a new trace), its upstream attempts carry it on, and once the call's event is
 * built a record of it goes to the exporter thread. A call whose trace is not sampled still
 * propagates its context (sampled flag off) and costs nothing more.
 */
export class Tracer {
  readonly #ids = new IdSource();

  constructor(
    private readonly config: OtelConfig,
    private readonly exporter: SpanExporter,
    private readonly metrics: ProxyMetrics,
  ) {}

  startCall(headers: IncomingHttpHeaders, method: string): CallTrace {
    const parent = parseTraceContext(headers.traceparent, headers.tracestate);
    const traceId = parent?.traceId ?? this.#ids.traceId();
    const sampled = shouldSample(this.config.sampling, traceId, parent);
    return new CallTrace(this.#ids, traceId, this.#ids.spanId(), parent?.spanId ?? '', parent?.traceState ?? '', sampled, method);
  }

  /** Never throws: a span that cannot be made is counted, the call is unaffected. */
  endCall(call: CallRecord, event: RequestEvent): void {
    const trace = call.trace;
    if (!trace?.sampled) return;
    try {
      this.exporter.submit(packCallSpanRecord(call, trace, event, this.config.capture_content));
    } catch {
      this.metrics.otelSpansDropped.inc({ reason: 'build_failed' }, 1 + call.attemptLog.length);
    }
  }

  flush(): Promise<void> {
    return this.exporter.flush();
  }

  close(): Promise<void> {
    return this.exporter.close();
  }
}

/** The tracer for `otel:`, or undefined when no endpoint is configured (then tracing costs nothing). */
export function startTracer(config: OtelConfig, metrics: ProxyMetrics, log: ExporterLog): Tracer | undefined {
  if (!config.endpoint) return undefined;
  const settings: ExporterSettings = {
    url: tracesUrl(config.endpoint),
    protocol: config.protocol,
    headers: config.headers,
    serviceName: config.service_name,
    resourceAttributes: config.resource_attributes,
    serviceVersion: SERVICE_VERSION,
    batchSize: config.batch_size,
    batchIntervalMs: config.batch_interval_ms,
    exportTimeoutMs: config.export_timeout_ms,
    contentMaxBytes: config.content_max_bytes,
    maxRetries: 5,
    baseBackoffMs: 500,
    maxBackoffMs: 30_000,
  };
  const exporter = new SpanExporter(settings, config.queue_size, {
    exported: (n) => metrics.otelSpansExported.inc(n),
    dropped: (reason, n) => metrics.otelSpansDropped.inc({ reason }, n),
    exportFailed: (reason) => metrics.otelExportFailures.inc({ reason }),
  }, log);
  return new Tracer(config, exporter, metrics);
}
