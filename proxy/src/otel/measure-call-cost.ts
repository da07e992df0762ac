/**
 * What tracing costs the gateway's event loop per call, measured rather than guessed:
 * `tsx proxy/src/otel/measure-call-cost.ts [calls]`. It runs the hot-path steps of a traced call
 * (trace context from the caller's headers, one attempt with its traceparent injected, the
 * span record, the handover to the real exporter thread, which posts to a local collector)
 * over a realistic finished call, and reports event-loop time per call. Also the token and cost
 * counters, which every call pays with tracing on or off.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { Registry } from 'prom-client';
import { buildEvent } from '../events/build-event.ts';
import { createProxyMetrics } from '../metrics.ts';
import { parseConfig } from '../config/load.ts';
import { testCall } from '../testing/test-call.ts';
import { UsageMetrics } from '../usage/usage-metrics.ts';
import { startTracer } from './tracer.ts';
import { packCallSpanRecord } from './span-record.ts';

const calls = Number(process.argv[2] ?? 200_000);
const collector = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200).end());
});
collector.listen(0, '127.0.0.1');
await once(collector, 'listening');
const port = (collector.address() as { port: number }).port;

const metrics = createProxyMetrics(new Registry());
const config = parseConfig({ otel: { endpoint: `http://127.0.0.1:${port}`, queue_size: 1_000_000, batch_size: 512, batch_interval_ms: 200 } }, {});
const tracer = startTracer(config.otel, metrics, { warn: () => {}, error: () => {} })!;
const usage = new UsageMetrics(metrics);
const headers = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'app=checkout', 'content-type': 'application/json' };
const response = JSON.stringify({ id: 'chatcmpl-1', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } });
const request = { model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
const deps = { priceBook: testCall().priceBook, maxStoredBodyBytes: 256 * 1024, metrics };

function finishedCall() {
  const call = testCall({ attemptLog: [{ model: 'gpt-4o-mini', provider: 'openai', upstream_model: 'gpt-4o-mini', status: 200, error_type: '', duration_ms: 3 }] }, response);
  return { call, event: buildEvent(call, deps) };
}

/** Event-loop time of `step` per call, in microseconds; the median of five rounds. */
async function perCall(step: (i: number) => void): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls / 5; i++) step(i);
    rounds.push(((performance.now() - t0) * 1000) / (calls / 5));
    await tracer.flush(); // lets the exporter thread catch up between rounds, as it would between ticks
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

const { call: template, event } = finishedCall();
const traced = await perCall(() => {
  const trace = tracer.startCall(headers, 'POST');
  const call = Object.assign({}, template, { trace });
  trace.startAttempt();
  const upstream: Record<string, string> = {};
  trace.inject(upstream, 'https://api.openai.com/v1/chat/completions');
  trace.request = request;
  trace.observed = { usage: { prompt_tokens: 12, completion_tokens: 4, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 }, sawUsage: true, model_served: 'gpt-4o-mini-2024-07-18', response_id: 'chatcmpl-1', finish_reasons: ['stop'] };
  tracer.endCall(call, event);
});
const contextOnly = await perCall(() => {
  const trace = tracer.startCall(headers, 'POST');
  trace.startAttempt();
  trace.inject({}, 'https://api.openai.com/v1/chat/completions');
  trace.endAttempt();
});
const traceForPacking = tracer.startCall(headers, 'POST');
traceForPacking.startAttempt();
const packOnly = await perCall(() => packCallSpanRecord(Object.assign({}, template, { trace: traceForPacking }), traceForPacking, event, false));
const unsampled = await perCall(() => {
  const trace = tracer.startCall({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' }, 'POST');
  trace.startAttempt();
  trace.inject({}, 'https://api.openai.com/v1/chat/completions');
  tracer.endCall(Object.assign({}, template, { trace }), event);
});
const counters = await perCall(() => usage.record(event));
await tracer.flush();
console.log(JSON.stringify({
  calls,
  traced_us_per_call: Number(traced.toFixed(2)),
  of_which_context_and_attempt_us: Number(contextOnly.toFixed(2)),
  of_which_span_record_us: Number(packOnly.toFixed(2)),
  unsampled_us_per_call: Number(unsampled.toFixed(2)),
  token_cost_counters_us_per_call: Number(counters.toFixed(2)),
  spans_exported: (await metrics.otelSpansExported.get()).values[0]?.value ?? 0,
  spans_dropped: (await metrics.otelSpansDropped.get()).values.map((v) => `${v.labels.reason}=${v.value}`),
}));
await tracer.close();
collector.close();
