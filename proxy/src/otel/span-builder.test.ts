import { describe, expect, it } from 'vitest';
import { boundedJson, requestContent, responseContent } from './gen-ai-content.ts';
import type { AnyValue, OtlpSpan } from './otlp-model.ts';
import { buildSpans, genAiProviderName } from './span-builder.ts';
import { CallTrace } from './call-trace.ts';
import { IdSource } from './trace-context.ts';
import { packCallSpanRecord, unpackCallSpanRecord } from './span-record.ts';
import { testCall } from '../testing/test-call.ts';
import { buildEvent } from '../events/build-event.ts';
import { createProxyMetrics } from '../metrics.ts';
import { Registry } from 'prom-client';
import type { AttemptRecord, CallSpanRecord } from './span-record.ts';

function plain(v: AnyValue): unknown {
  if ('string' in v) return v.string;
  if ('bool' in v) return v.bool;
  if ('int' in v) return v.int;
  if ('double' in v) return v.double;
  return v.array.map(plain);
}
const attrs = (span: OtlpSpan) => Object.fromEntries(span.attributes.map((kv) => [kv.key, plain(kv.value)]));

function attempt(over: Partial<AttemptRecord> = {}): AttemptRecord {
  return { spanId: 'a1'.repeat(8), startMs: 1000, endMs: 1010, provider: 'openai', model: 'gpt-4o', upstreamModel: 'gpt-4o', status: 200, errorType: '', method: 'POST', url: 'https://api.openai.com/v1/chat/completions?api-version=secret', ...over };
}

function record(over: Partial<CallSpanRecord> = {}, event: Partial<CallSpanRecord['event']> = {}): CallSpanRecord {
  return {
    traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: '', traceState: '', startMs: 1000, endMs: 1050, providerType: 'openai',
    params: {}, responseId: 'chatcmpl-1', finishReasons: ['stop'], attempts: [attempt()], content: undefined,
    event: {
      request_id: 'r1', project_id: 'p', key_id: 'k', provider: 'openai', model: 'gpt-4o', model_served: 'gpt-4o-2024', endpoint: 'chat.completions',
      status: 200, error_type: '', error_message: '', streamed: false, ttft_ms: null, prompt_tokens: 10, completion_tokens: 5,
      cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: 0.001, cost_known: true, cache_status: 'miss', attempts: 1,
      user_id: '', session_id: '', session_path: '', session_name: '', properties: {}, upstream_request_id: '', fallback_model: '', cache_source_request_id: '', cost_saved_usd: 0, prompt_cache_expected: false,
      prompt_cache_hit: false, ...event,
    },
    ...over,
  };
}

describe('GenAI spans from a call record', () => {
  it('hands a finished call over as a flat record and rebuilds it unchanged in the exporter thread', () => {
    const ids = new IdSource();
    const trace = new CallTrace(ids, 'ab'.repeat(16), 'cd'.repeat(8), 'ef'.repeat(8), 'a=1', true);
    trace.startAttempt();
    trace.inject({}, 'https://api.openai.com/v1/chat/completions');
    trace.endAttempt();
    trace.request = { temperature: 0.5, messages: [] };
    const call = testCall({ trace, meta: { ...testCall().meta, userId: 'u', properties: { team: 'x' } }, attemptLog: [{ model: 'm', provider: 'openai', upstream_model: 'm-1', status: 503, error_type: 'http_503', duration_ms: 4 }, { model: 'm', provider: 'b', upstream_model: 'm-1', status: 200, error_type: '', duration_ms: 2 }] }, '{"id":"chatcmpl-9","choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}');
    const event = buildEvent(call, { priceBook: call.priceBook, maxStoredBodyBytes: 1000, metrics: createProxyMetrics(new Registry()) });
    const record = unpackCallSpanRecord(structuredClone(packCallSpanRecord(call, trace, event, true)));
    expect(record).toMatchObject({ traceId: trace.traceId, spanId: trace.spanId, parentSpanId: trace.parentSpanId, traceState: 'a=1', params: { temperature: 0.5 }, responseId: 'chatcmpl-9', finishReasons: ['stop'] });
    expect(record.event).toMatchObject({ request_id: event.request_id, user_id: 'u', properties: { team: 'x' }, prompt_tokens: 3, completion_tokens: 2 });
    expect(record.attempts).toMatchObject([
      { spanId: trace.attempts[0]!.spanId, provider: 'openai', status: 503, errorType: 'http_503', url: 'https://api.openai.com/v1/chat/completions', method: 'POST' },
      { provider: 'b', status: 200, upstreamModel: 'm-1' },
    ]);
    expect(record.attempts[0]!.endMs).toBeGreaterThanOrEqual(record.attempts[0]!.startMs);
    expect(record.content).toEqual({ request: event.request_body, response: event.response_body, requestTruncated: false, responseTruncated: false });
  });

  it('names the call span after operation and model, maps request parameters to their types, and never exports a query string', () => {
    const [call, child] = buildSpans(record({ params: { temperature: 1, max_completion_tokens: 99, stop: 'END', n: 2, response_format: { type: 'json_schema' }, seed: 3 } }, { cache_read_tokens: 4, reasoning_tokens: 2 }), { contentMaxBytes: 1000 });
    expect(call!.name).toBe('chat gpt-4o');
    expect(call!.flags).toBe(0x101); // sampled, parent known to be local (no parent)
    const a = attrs(call!);
    expect(a).toMatchObject({
      'gen_ai.request.temperature': 1, 'gen_ai.request.max_tokens': 99, 'gen_ai.request.stop_sequences': ['END'], 'gen_ai.request.choice.count': 2,
      'gen_ai.output.type': 'json', 'gen_ai.request.seed': 3, 'gen_ai.usage.cache_read.input_tokens': 4, 'gen_ai.usage.reasoning.output_tokens': 2,
      'server.address': 'api.openai.com', 'server.port': 443,
    });
    expect(call!.attributes.find((kv) => kv.key === 'gen_ai.request.temperature')!.value).toEqual({ double: 1 });
    expect(attrs(child!)['url.full']).toBe('https://api.openai.com/v1/chat/completions');
    expect(JSON.stringify([call, child])).not.toContain('secret');
  });

  it('tells first tries, failovers, retries and fallbacks apart', () => {
    const attempts = [
      attempt({ provider: 'a', status: 503, errorType: 'http_503' }),
      attempt({ provider: 'b', status: 503, errorType: 'http_503' }),
      attempt({ provider: 'a', status: 0, errorType: 'upstream_timeout' }),
      attempt({ provider: 'c', model: 'backup', upstreamModel: 'backup-1' }),
    ];
    const spans = buildSpans(record({ attempts }, { attempts: 4, fallback_model: 'backup' }), { contentMaxBytes: 1000 });
    expect(spans.slice(1).map((s) => attrs(s)['periscope.attempt.kind'])).toEqual(['first', 'failover', 'retry', 'fallback']);
    expect(spans.slice(1).map((s) => s.status.code)).toEqual([2, 2, 2, 0]);
    expect(attrs(spans[3]!)['http.response.status_code']).toBeUndefined(); // never answered
    expect(spans.slice(1).every((s) => s.parentSpanId === spans[0]!.spanId)).toBe(true);
  });

  it('marks an error with error.type and the (already scrubbed) message, without usage', () => {
    const [call] = buildSpans(record({ attempts: [] }, { status: 429, error_type: 'rate_limit', error_message: 'slow down', prompt_tokens: 0 }), { contentMaxBytes: 1000 });
    expect(call!.status).toEqual({ code: 2, message: 'slow down' });
    expect(attrs(call!)['error.type']).toBe('rate_limit');
    expect(attrs(call!)['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('maps provider types to the conventions\' provider names', () => {
    expect(genAiProviderName('azure-openai', 'azure')).toBe('azure.ai.openai');
    expect(genAiProviderName('gemini', 'g')).toBe('gcp.gemini');
    expect(genAiProviderName('openai-compatible', 'groq')).toBe('groq');
    expect(genAiProviderName('openai-compatible', 'local-vllm')).toBe('local-vllm');
  });
});

describe('content in the conventions\' message shape', () => {
  it('converts OpenAI tool calls and tool results', () => {
    const { input } = requestContent('chat.completions', {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'data:...' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'rainy' },
      ],
    });
    expect(input).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }, { type: 'image_url' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', result: 'rainy' }] },
    ]);
  });

  it('reassembles streamed OpenAI tool-call arguments', () => {
    const sse = [
      { id: 'x', choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'c9', function: { name: 'f', arguments: '{"a"' } }] } }] },
      { id: 'x', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] },
    ].map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
    expect(responseContent('chat.completions', sse, true)).toEqual([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c9', name: 'f', arguments: { a: 1 } }], finish_reason: 'tool_call' }]);
  });

  it('reads the Responses API and leaves out a body cut short', () => {
    expect(requestContent('responses', { instructions: 'Be nice', input: 'Hi' })).toEqual({ system: [{ type: 'text', content: 'Be nice' }], input: [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }] });
    const out = responseContent('responses', JSON.stringify({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hel' }] }] }), false);
    expect(out).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'Hel' }], finish_reason: 'length' }]);
    expect(responseContent('chat.completions', '{"choices":[{"message":{"content":"cut', false)).toBeUndefined();
  });

  it('bounds content by cutting long strings first, then the oldest messages, and stays valid JSON', () => {
    const messages = [{ role: 'user', parts: [{ type: 'text', content: 'a'.repeat(5000) }] }, { role: 'user', parts: [{ type: 'text', content: 'short' }] }];
    const cut = boundedJson(messages, 500);
    expect(cut.truncated).toBe(true);
    expect(Buffer.byteLength(cut.json)).toBeLessThanOrEqual(500);
    expect(JSON.parse(cut.json)).toHaveLength(2);
    const many = Array.from({ length: 200 }, () => ({ role: 'user', parts: [{ type: 'text', content: 'hello' }] }));
    const dropped = boundedJson(many, 300);
    expect(Buffer.byteLength(dropped.json)).toBeLessThanOrEqual(300);
    expect(JSON.parse(dropped.json).length).toBeLessThan(200);
    expect(boundedJson(messages, 100_000)).toEqual({ json: JSON.stringify(messages), truncated: false });
  });
});
