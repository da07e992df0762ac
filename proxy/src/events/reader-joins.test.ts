import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { parseConversation } from '@periscope/contract/api';
import { attackCases, canaryKey, CROSSED_LAYOUTS, crossedPiecesQuoting, streamedPiecesQuoting } from '@periscope/testkit';
import { createProxyMetrics } from '../metrics.ts';
import { responseContent } from '../otel/gen-ai-content.ts';
import { createPriceBook } from '../pricing/price-book.ts';
import { seededRandom } from '../seeded-random.ts';
import { testCall } from '../testing/test-call.ts';
import { buildEvent } from './build-event.ts';
import { readersJoinSecret, WITHHELD_STREAM } from './reader-joins.ts';
import { redactStoredBody } from './redact.ts';

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number') out.push(String(value));
  else if (value && typeof value === 'object') for (const [name, item] of Object.entries(value)) { out.push(name); strings(item, out); }
  return out;
}

/** Every string the request view and the exporter show of a stored response. */
function shown(endpoint: string, body: string): string[] {
  return strings([parseConversation(endpoint, '{}', body).response, responseContent(endpoint, body, true)]);
}

async function store(endpoint: 'chat.completions' | 'messages' | 'responses', body: string, secrets: string[]) {
  const metrics = createProxyMetrics(new Registry());
  const event = buildEvent(testCall({ endpoint, streamed: true, secrets }, body), { priceBook: createPriceBook(), maxStoredBodyBytes: 1 << 20, metrics });
  return { event, withheld: (await metrics.streamsWithheld.get()).values[0]?.value ?? 0 };
}

describe('readersJoinSecret', () => {
  it('withholds a stream whose pieces a reader joins into a secret the piece redaction left: every layout, generated (seed 15)', async () => {
    const random = seededRandom(15);
    const withheldBy = new Map<string, number>();
    for (let n = 0; n < attackCases(400); n++) {
      const key = canaryKey(random);
      // Most without escapes: a `\u` escape anywhere opens the gate, and the gate is under test too.
      const { layout, endpoint, body } = crossedPiecesQuoting(random, key, random() < 0.3);
      const shapedOnly = key.startsWith('sk-') && random() < 0.5;
      const { event, withheld } = await store(endpoint, body, shapedOnly ? [] : [key]);
      const leaked = shown(endpoint, event.response_body).filter((text) => text.includes(key));
      expect(leaked, `case ${n} (${layout}): ${body}`).toEqual([]);
      expect(event.response_body.includes(key)).toBe(false);
      if (withheld) {
        expect(event.response_body).toBe(WITHHELD_STREAM);
        withheldBy.set(layout, (withheldBy.get(layout) ?? 0) + 1);
      }
    }
    // Each layout defeats the piece redaction for some keys: the check, not luck, kept them out.
    expect([...withheldBy.keys()].sort()).toEqual([...CROSSED_LAYOUTS].sort());
  });

  it('leaves ordinary streams, and streams whose key the piece redaction took, as they are', async () => {
    const random = seededRandom(16);
    for (let n = 0; n < attackCases(200); n++) {
      const key = canaryKey(random);
      const { endpoint, body } = streamedPiecesQuoting(random, key);
      const { event, withheld } = await store(endpoint, body, [key]);
      expect(withheld, `case ${n}: ${body}`).toBe(0);
      expect(shown(endpoint, event.response_body).filter((text) => text.includes(key))).toEqual([]);
    }
    const prose = ['Hello', ' there', ', the task-based', ' approach', ' works', ' well.'].map((p) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(p)}}}]}\n\n`).join('') + 'data: [DONE]\n\n';
    expect((await store('chat.completions', prose, ['sk-bench-upstream-key-abcdef'])).event.response_body).toBe(prose);
  });

  it('finds what the readers join on every path: the gate opens for escaped names, split data, CR line ends', () => {
    const key = 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t';
    const half = (at: number) => [key.slice(0, at), key.slice(at)];
    const [a, b] = half(11);
    const twice = `data: {"choices":[{"index":0,"delta":{"content":"x","content":${JSON.stringify(a)}}}]}\r\n\r\ndata: {"choices":[{"index":0,"delta":{"content":"y","content":${JSON.stringify(b)}}}]}\r\n\r\n`;
    expect(redactStoredBody(twice)).toBe(twice);
    expect(readersJoinSecret('chat.completions', twice, [])).toBe(true);
    const escaped = `data: {"choices":[{"index":0,"delta":{"\\u0063ontent":${JSON.stringify(a)}}}]}\n\ndata: {"choices":[{"index":0,"delta":{"\\u0063ontent":${JSON.stringify(b)}}}]}\n\n`;
    expect(readersJoinSecret('chat.completions', escaped, [])).toBe(true);
    expect(readersJoinSecret('chat.completions', escaped.replaceAll('\\u0063ontent', 'reply'), [])).toBe(false);
    const lines = `data: {"choices":[{"index":0,\ndata: "delta":{"content":${JSON.stringify(a)}}}]}\n\ndata: {"choices":[{"index":0,\ndata: "delta":{"content":${JSON.stringify(b)}}}]}\n\n`;
    expect(readersJoinSecret('chat.completions', lines, [])).toBe(true);
  });

  it('reads a pass-through path in every format the request view may take it as', () => {
    const key = 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t';
    const body = [key.slice(0, 9), key.slice(9)].map((p, i) => `data: {"type":"response.output_text.delta","output_index":${i},"delta":${JSON.stringify(p)}}\n\n`).join('');
    expect(readersJoinSecret('passthrough', body, [])).toBe(true);
  });
});

describe('readersJoinSecret, helper-58\'s review', () => {
  const chat = 'chat.completions' as const;
  const leaks = async (endpoint: 'chat.completions' | 'messages' | 'responses', body: string, secrets: string[], key: string) => {
    const { event } = await store(endpoint, body, secrets);
    return shown(endpoint, event.response_body).some((text) => text.includes(key)) || event.response_body.includes(key);
  };

  it('withholds a chunk whose choices the exporter joins content first, then text, choice by choice', async () => {
    expect(await leaks(chat, 'data: {"choices":[{"index":0,"text":"cdefghij","delta":{"content":"x sk-ab"}},{"index":0,"delta":{"content":"klmnopq y"}}]}\n\ndata: [DONE]\n\n', [], 'sk-abcdefghijklmnopq')).toBe(false);
    const secret = 'ops@example.com: Tr0ub4dor&3 correct horse';
    const parts = secret.match(/.{1,7}/g)!;
    const choices = [];
    for (let i = 0; i < parts.length; i += 2) choices.push(`{"index":0,"text":${JSON.stringify(parts[i + 1] ?? '')},"delta":{"content":${JSON.stringify(parts[i])}}}`);
    expect(await leaks(chat, `data: {"choices":[${choices.join(',')}]}\n\ndata: [DONE]\n\n`, [secret], secret)).toBe(false);
  });

  it('finds a secret the exporter parses into a number', async () => {
    const body = 'data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"n\\":31415"}}]},"index":0}]}\n\ndata: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"zz"}}]},"index":1}]}\n\ndata: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"926535}"}}]},"index":0}]}\n\ndata: [DONE]\n\n';
    expect(await leaks(chat, body, ['31415926535'], '31415926535')).toBe(false);
  });

  it('runs the readers for a secret they may print as a number they parsed (helper-59)', async () => {
    expect(await leaks('responses', 'data: {"type":"response.completed","response":{"output":[{"type":"x","n":1.2345678e7}]}}\n\n', ['12345678'], '12345678')).toBe(false);
    const args = 'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"[1.234"}}]}}]}\n\ndata: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"5678e7]"}}]}}]}\n\n';
    expect(await leaks(chat, args, ['12345678'], '12345678')).toBe(false);
  });

  it('keeps the row of a body a reader cannot read (nesting past JSON.stringify), withheld; an index of four billion costs nothing', async () => {
    const deep = `data: {"type":"response.completed","response":{"output":[{"type":"function_call_output","call_id":"c","output":${'['.repeat(5000)}${']'.repeat(5000)}}]}}\r\n\r\n`;
    const { event, withheld } = await store('responses', deep, []);
    expect([event.response_body, withheld]).toEqual([WITHHELD_STREAM, 1]);
    for (const [endpoint, body] of [
      [chat, 'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":4294967294,"function":{"name":"f","arguments":"{}"}}]}}]}\r\n\r\ndata: [DONE]\r\n\r\n'],
      ['messages', 'data: {"type":"content_block_start","index":4294967294,"content_block":{"type":"text","text":"hi"}}\r\n\r\ndata: {"type":"message_stop"}\r\n\r\n'],
    ] as const) {
      expect((await store(endpoint, body, [])).event.response_body).toBe(body);
    }
  }, 5_000);

  it('gives up on a credential of one repeated pattern early, and lets the readers decide (it cost the gate 20 s)', async () => {
    const secret = 'a '.repeat(8000);
    const body = `${'data:{"text":"a "}\n\n'.repeat(5000)}data: [DONE]\n\n`;
    const { event } = await store(chat, body, [secret]);
    expect(event.response_body).toBe(body);
  }, 10_000);
});
