import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { attributesOf, OTEL_COLLECTOR_START_TIMEOUT_MS, startOtelCollector, type OtelCollector } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { byParent, callerContext } from '../testing/trace-helpers.ts';

// otel.capture_content on, exported as OTLP/JSON to a real OpenTelemetry Collector (scripts/otelcol).
let collector: OtelCollector;
let h: GatewayHarness;
let key: string;
// A key pasted into a prompt: stored bodies scrub it, and so must the span.
const CANARY = 'sk-proj-CANARYcanary0123456789abcdef';

beforeAll(async () => {
  collector = await startOtelCollector();
  h = await startGatewayHarness(undefined, {
    config: () => ({ otel: { endpoint: collector.otlpUrl, protocol: 'http/json', batch_interval_ms: 50, capture_content: true, content_max_bytes: 2048 } }),
  });
  ({ key } = await h.newProject());
}, OTEL_COLLECTOR_START_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await h?.close();
  await collector?.stop();
});

function openai(headers: Record<string, string>) {
  return new OpenAI({ apiKey: 'sk-client-openai-key-abcdefghijkl', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, ...headers } });
}

describe('content capture on spans', () => {
  it('records input and output messages in the conventions\' shape, scrubbed of secrets and bounded', async () => {
    const ctx = callerContext();
    const data = await openai({ traceparent: ctx.traceparent }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `My key is ${CANARY}. ${'x'.repeat(5000)}` }],
    });
    const spans = await collector.spans(ctx.traceId, 2);
    const a = attributesOf(byParent(spans, ctx.spanId)[0]!);
    const inputJson = String(a['gen_ai.input.messages']);
    const input = JSON.parse(inputJson) as Array<{ role: string; parts: Array<{ type: string; content: string }> }>;
    expect(input[0]).toEqual({ role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] });
    expect(input[1]!.role).toBe('user');
    expect(input[1]!.parts[0]!.content).toContain('[REDACTED]');
    expect(Buffer.byteLength(inputJson)).toBeLessThanOrEqual(2048);
    expect(a['periscope.content.truncated']).toBe(true);
    expect(JSON.parse(String(a['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: data.choices[0]!.message.content }], finish_reason: 'stop' },
    ]);
    expect(JSON.stringify(spans)).not.toContain(CANARY);
    expect(JSON.stringify(spans)).not.toContain('sk-client-openai-key');
  });

  it('reassembles a streamed Anthropic answer and keeps the system prompt apart', async () => {
    const ctx = callerContext();
    const anthropic = new Anthropic({ apiKey: 'sk-ant-client-key-abcdefghijklmnop', baseURL: h.url, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, traceparent: ctx.traceparent } });
    const final = await anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, system: 'You are terse.', messages: [{ role: 'user', content: 'Stream please.' }] }).finalMessage();
    const spans = await collector.spans(ctx.traceId, 2);
    const a = attributesOf(byParent(spans, ctx.spanId)[0]!);
    expect(JSON.parse(String(a['gen_ai.system_instructions']))).toEqual([{ type: 'text', content: 'You are terse.' }]);
    expect(JSON.parse(String(a['gen_ai.input.messages']))).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Stream please.' }] }]);
    const text = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    expect(JSON.parse(String(a['gen_ai.output.messages']))).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }]);
    expect(a['gen_ai.response.finish_reasons']).toEqual([final.stop_reason]);
    expect(a['periscope.content.truncated']).toBeUndefined();
  });

  it('leaves out what the caller asked not to store', async () => {
    const ctx = callerContext();
    await openai({ traceparent: ctx.traceparent, 'Periscope-Omit-Request': 'true', 'Periscope-Omit-Response': 'true' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret plans' }] });
    const spans = await collector.spans(ctx.traceId, 2);
    const a = attributesOf(byParent(spans, ctx.spanId)[0]!);
    expect(a['gen_ai.input.messages']).toBeUndefined();
    expect(a['gen_ai.output.messages']).toBeUndefined();
    expect(JSON.stringify(spans)).not.toContain('secret plans');
  });
});
