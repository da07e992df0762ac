import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { attributesOf, OTEL_COLLECTOR_START_TIMEOUT_MS, startMockUpstream, startOtelCollector, type MockUpstream, type OtelCollector } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { byParent, callerContext, upstreamTraceparents } from '../testing/trace-helpers.ts';

// A real OpenTelemetry Collector (scripts/otelcol) receives the gateway's OTLP export, decodes it and
// forwards the spans it read to the test, which asserts on those.
let collector: OtelCollector;
let h: GatewayHarness;
let down: MockUpstream;
let key: string;
let project: string;

const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

beforeAll(async () => {
  collector = await startOtelCollector();
  down = await startMockUpstream({ scenario: 'error-503' });
  h = await startGatewayHarness((mockUrl) => ({
    // Answers 503: a retryable failure, so the call fails over to the mock behind `groq`.
    flaky: { type: 'openai-compatible', base_url: `${down.url}/v1`, api_key: 'sk-flaky-configured-key-0000000' },
    groqlike: { type: 'openai-compatible', base_url: `${mockUrl}/v1`, api_key: 'gsk_configuredgroqkey1234567890' },
  }), {
    config: () => ({
      models: {
        ha: { strategy: 'weighted', deployments: [{ provider: 'flaky', model: 'gpt-4o-mini', weight: 1_000_000 }, { provider: 'groqlike', model: 'gpt-4o-mini', weight: 0.000001 }] },
      },
      otel: { endpoint: collector.otlpUrl, protocol: 'http/protobuf', batch_interval_ms: 50, service_name: 'periscope-test', resource_attributes: { 'deployment.environment.name': 'test' } },
    }),
  });
  ({ key, project } = await h.newProject());
}, OTEL_COLLECTOR_START_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await h?.close();
  await down?.close();
  await collector?.stop();
});

function openai(headers: Record<string, string>) {
  return new OpenAI({ apiKey: 'sk-client-openai-key-abcdefghijkl', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, ...headers } });
}

describe('OpenTelemetry export to a real OpenTelemetry Collector', () => {
  it('exports an OpenAI SDK call as a GenAI span under the caller\'s span, and the upstream request carries its attempt span', async () => {
    const ctx = callerContext();
    const { data, response } = await openai({ traceparent: ctx.traceparent, tracestate: ctx.tracestate, 'Periscope-User-Id': 'ann', 'Periscope-Session-Id': 'sess-1', 'Periscope-Property-Team': 'search' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Trace me.' }], temperature: 0.2, max_tokens: 64, seed: 7, stop: ['END'] })
      .withResponse();
    const requestId = response.headers.get('periscope-request-id')!;
    const row = await h.row(requestId, project);
    const spans = await collector.spans(ctx.traceId, 2);
    const [call] = byParent(spans, ctx.spanId);
    expect(call, JSON.stringify(spans)).toBeDefined();
    expect(call!.name).toBe('chat gpt-4o-mini');
    expect(call!.kind).toBe(SPAN_KIND_CLIENT);
    expect(call!.traceState).toBe(ctx.tracestate);
    expect(call!.resource).toMatchObject({ 'service.name': 'periscope-test', 'deployment.environment.name': 'test' });
    const a = attributesOf(call!);
    expect(a).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': data.model,
      'gen_ai.response.id': data.id,
      'gen_ai.response.finish_reasons': [data.choices[0]!.finish_reason],
      'gen_ai.usage.input_tokens': data.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': data.usage!.completion_tokens,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.conversation.id': 'sess-1',
      'server.address': '127.0.0.1',
      'periscope.request_id': requestId,
      'periscope.project_id': project,
      'periscope.key_id': row.key_id,
      'periscope.provider': 'openai',
      'periscope.user_id': 'ann',
      'periscope.session.id': 'sess-1',
      'periscope.property.team': 'search',
      'periscope.cache.status': row.cache_status,
      'periscope.attempts': 1,
      'periscope.status_code': 200,
      'periscope.streamed': false,
    });
    expect(a['periscope.cost_usd']).toBeCloseTo(row.cost_usd, 12);
    expect(a['error.type']).toBeUndefined();
    expect(call!.status?.code ?? 0).not.toBe(STATUS_ERROR);
    // No content without capture_content, and no credential anywhere.
    expect(a['gen_ai.input.messages']).toBeUndefined();
    expect(JSON.stringify(spans)).not.toContain('sk-client-openai-key');

    const [attempt] = byParent(spans, call!.spanId);
    expect(attempt!.name).toBe('POST /v1/chat/completions');
    expect(attributesOf(attempt!)).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'periscope.attempt.number': 1, 'periscope.attempt.kind': 'first' });
    // The upstream saw this trace with the attempt span as its parent, and the caller's tracestate.
    const upstream = h.mock.requests.find((r) => String(r.headers.traceparent).includes(ctx.traceId))!;
    expect(upstream.headers.traceparent).toBe(`00-${ctx.traceId}-${attempt!.spanId}-01`);
    expect(upstream.headers.tracestate).toBe(ctx.tracestate);
  });

  it('exports a streamed call with its usage, finish reason and time to first token', async () => {
    const ctx = callerContext();
    const stream = await openai({ traceparent: ctx.traceparent }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Stream me.' }], stream: true });
    let id = '';
    for await (const chunk of stream) id ||= chunk.id;
    const spans = await collector.spans(ctx.traceId, 2);
    const [call] = byParent(spans, ctx.spanId);
    const a = attributesOf(call!);
    expect(a).toMatchObject({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.id': id, 'gen_ai.response.finish_reasons': ['stop'], 'periscope.streamed': true });
    expect(a['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(a['periscope.ttft_ms']).toBeGreaterThanOrEqual(0);
  });

  it('exports an Anthropic SDK call with the Anthropic provider name and stop reason', async () => {
    const ctx = callerContext();
    const anthropic = new Anthropic({
      apiKey: 'sk-ant-client-key-abcdefghijklmnop', baseURL: h.url, maxRetries: 0,
      defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, traceparent: ctx.traceparent },
    });
    const message = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
    const spans = await collector.spans(ctx.traceId, 2);
    const [call] = byParent(spans, ctx.spanId);
    expect(call!.name).toBe('chat claude-sonnet-4-6');
    expect(attributesOf(call!)).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.id': message.id,
      'gen_ai.response.finish_reasons': [message.stop_reason],
      'gen_ai.usage.input_tokens': message.usage.input_tokens,
      'gen_ai.usage.output_tokens': message.usage.output_tokens,
      'gen_ai.request.max_tokens': 100,
    });
    expect(JSON.stringify(spans)).not.toContain('sk-ant-client-key');
  });

  it('shows a failover as two attempt spans under the call, and the upstream that answered saw the second one', async () => {
    const ctx = callerContext();
    const { response } = await openai({ traceparent: ctx.traceparent }).chat.completions.create({ model: 'ha', messages: [{ role: 'user', content: 'Fail over.' }] }).withResponse();
    expect(response.status).toBe(200);
    const spans = await collector.spans(ctx.traceId, 3);
    const [call] = byParent(spans, ctx.spanId);
    expect(attributesOf(call!)).toMatchObject({ 'periscope.attempts': 2, 'gen_ai.request.model': 'ha' });
    const attempts = byParent(spans, call!.spanId);
    expect(attempts.map((s) => attributesOf(s))).toMatchObject([
      { 'periscope.attempt.number': 1, 'periscope.attempt.kind': 'first', 'periscope.provider': 'flaky', 'http.response.status_code': 503, 'error.type': 'http_503' },
      { 'periscope.attempt.number': 2, 'periscope.attempt.kind': 'failover', 'periscope.provider': 'groqlike', 'http.response.status_code': 200 },
    ]);
    expect(attempts[0]!.status?.code).toBe(STATUS_ERROR);
    expect(upstreamTraceparents(down, ctx.traceId)).toEqual([`00-${ctx.traceId}-${attempts[0]!.spanId}-01`]);
    expect(upstreamTraceparents(h.mock, ctx.traceId)).toEqual([`00-${ctx.traceId}-${attempts[1]!.spanId}-01`]);
  });

  it('marks a failed call as an error span with error.type', async () => {
    const ctx = callerContext();
    const err = await openai({ traceparent: ctx.traceparent, 'x-mock-scenario': 'error-400' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Fail.' }] })
      .then(() => ({ status: 200 }), (e: { status: number }) => e);
    expect(err.status).toBe(400);
    const spans = await collector.spans(ctx.traceId, 2);
    const [call] = byParent(spans, ctx.spanId);
    expect(call!.status?.code).toBe(STATUS_ERROR);
    expect(attributesOf(call!)).toMatchObject({ 'error.type': 'invalid_request', 'periscope.status_code': 400 });
    expect(attributesOf(call!)['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('starts a new trace when the caller\'s traceparent is malformed, and propagates it upstream', async () => {
    for (const bad of ['00-ZZ-1-01', `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`, `ff-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, 'x'.repeat(600)]) {
      h.mock.reset();
      const { response } = await openai({ traceparent: bad, tracestate: '=bad=' }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
      expect(response.status).toBe(200);
      const sent = String(h.mock.requests[0]!.headers.traceparent);
      expect(sent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(h.mock.requests[0]!.headers.tracestate).toBeUndefined();
      const traceId = sent.split('-')[1]!;
      const spans = await collector.spans(traceId, 2);
      const call = spans.find((s) => !s.parentSpanId);
      expect(call, `a root span for ${bad}`).toBeDefined();
    }
  });

  it('exports nothing for a caller that did not sample its trace, but still propagates the decision', async () => {
    const ctx = callerContext(false);
    await openai({ traceparent: ctx.traceparent }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    const [sent] = upstreamTraceparents(h.mock, ctx.traceId);
    expect(sent).toMatch(new RegExp(`^00-${ctx.traceId}-[0-9a-f]{16}-00$`));
    expect(sent).not.toContain(ctx.spanId); // the gateway's own span id, not the caller's relayed
    // A sampled call made after it is exported, so waiting for that one bounds the wait for this one.
    const next = callerContext();
    await openai({ traceparent: next.traceparent }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect((await collector.spans(next.traceId, 2)).length).toBe(2);
    expect(await collector.spans(ctx.traceId, 1, 300)).toEqual([]);
  });

  it('counts exported spans on /metrics', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    const exported = Number(/^periscope_otel_spans_exported_total (\d+)/m.exec(text)?.[1]);
    expect(exported).toBeGreaterThanOrEqual(10);
    expect(text).toMatch(new RegExp(`^periscope_tokens_total\\{provider="openai",model="gpt-4o-mini",project="${project}",type="input"\\} \\d+`, 'm'));
  });
});
