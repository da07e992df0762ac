import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../providers/types.ts';
import { seededRandom } from '../seeded-random.ts';
import { StreamUsageObserver } from './stream-observer.ts';

const SEED = 0x5eed15;
const STREAMS = 3000;

/** JSON with the key written plainly, with spaces around the colon, or with a \u escape in the key. */
function writeJson(value: unknown, pick: () => number): string {
  const text = pick() < 0.3 ? JSON.stringify(value, null, 1) : JSON.stringify(value);
  return pick() < 0.05 ? text.replace('"usage"', '"\\u0075sage"').replace('"type"', '"typ\\u0065"') : text;
}

function payloads(endpoint: Endpoint, random: () => number): string[] {
  const pick = <T,>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const usage = () => ({ prompt_tokens: Math.floor(random() * 1e4), completion_tokens: Math.floor(random() * 1e3), prompt_tokens_details: { cached_tokens: Math.floor(random() * 100) } });
  const anthropicUsage = () => ({ input_tokens: Math.floor(random() * 1e4), output_tokens: Math.floor(random() * 1e3), cache_read_input_tokens: Math.floor(random() * 100) });
  const text = () => pick(['hi', 'the "usage": {"prompt_tokens": 9}', '"error"', 'message_start', '\\u0041', '{"usage":{}}', 'response', '"message_stop"', 'say "message_stop', 'say "response.completed', '[DONE]']);
  const n = 1 + Math.floor(random() * 8);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    if (endpoint === 'messages') {
      out.push(writeJson(pick([
        { type: 'message_start', message: { id: 'msg_1', model: pick(['claude-a', 'claude-b']), usage: anthropicUsage() } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: text() } },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: r < 0.5 ? { output_tokens: 7 } : anthropicUsage() },
        { type: 'ping' },
        { type: 'message_stop' },
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ]), random));
    } else if (endpoint === 'responses') {
      out.push(writeJson(pick([
        { type: 'response.created', response: { id: 'resp_1', model: 'gpt-x', usage: null } },
        { type: 'response.output_text.delta', delta: text() },
        { type: pick(['response.completed', 'response.incomplete', 'response.failed']), response: { id: 'resp_1', model: 'gpt-y', status: 'completed', usage: { input_tokens: 5, output_tokens: 3 } } },
        { type: 'error', message: 'boom' },
        // A last event without the response (the relay logs the call when it passes).
        { type: pick(['response.completed', 'response.incomplete', 'response.failed']), sequence_number: 9 },
      ]), random));
    } else {
      out.push(writeJson(pick([
        { id: 'c1', model: pick(['gpt-a', 'gpt-b']), choices: [{ index: 0, delta: { content: text() }, finish_reason: null }], usage: null },
        { id: 'c1', choices: [{ index: 0, delta: { content: text() } }] },
        { id: 'c1', model: 'gpt-a', choices: [], usage: usage() },
        { error: { message: 'rate limited' } },
        { id: 'c1', model: 'gpt-a', choices: [], usage: r < 0.5 ? null : usage() },
      ]), random));
    }
    if (random() < 0.05) out.push(pick(['[DONE]', '', 'not json', '{"usage":']));
  }
  return out;
}

describe('StreamUsageObserver.observe', () => {
  it(`observes exactly what parsing every payload does (${STREAMS} generated streams, fixed seed)`, () => {
    const random = seededRandom(SEED);
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => { parses++; return parse(...args); };
    let cheapParses = 0;
    let fullParses = 0;
    const ended = new Set<Endpoint>();
    try {
      for (let s = 0; s < STREAMS; s++) {
        const endpoint = (['chat.completions', 'messages', 'responses'] as const)[s % 3]!;
        const traced = random() < 0.1;
        const cheap = new StreamUsageObserver(endpoint, traced);
        const full = new StreamUsageObserver(endpoint, traced);
        for (const data of payloads(endpoint, random)) {
          parses = 0;
          cheap.observe(data);
          cheapParses += parses;
          parses = 0;
          full.onData(data);
          fullParses += parses;
        }
        expect(cheap.observed, `stream ${s} (${endpoint})`).toEqual(full.observed);
        expect(cheap.streamError).toBe(full.streamError);
        // The last event is seen as such either way (the relay logs the call when it passes).
        expect(cheap.ended, `stream ${s} (${endpoint})`).toBe(full.ended);
        if (full.ended) ended.add(endpoint);
      }
    } finally {
      JSON.parse = parse;
    }
    // The generated streams must hold events that need no parse, or the check above proves little.
    expect(cheapParses).toBeLessThan(fullParses * 0.8);
    expect([...ended].sort()).toEqual(['chat.completions', 'messages', 'responses']);
  });

  it('does not parse a chunk of text once the model is known, and still reads the usage chunk', () => {
    const observer = new StreamUsageObserver('chat.completions');
    observer.observe('{"id":"c","model":"gpt-4o","choices":[{"delta":{"content":"a"}}],"usage":null}');
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => { parsed++; return parse(...args); };
    try {
      observer.observe('{"id":"c","model":"gpt-4o","choices":[{"delta":{"content":"b"}}],"usage":null}');
      expect(parsed).toBe(0);
      observer.observe('{"id":"c","model":"gpt-4o","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}');
      expect(parsed).toBe(1);
    } finally {
      JSON.parse = parse;
    }
    expect(observer.observed).toMatchObject({ model_served: 'gpt-4o', sawUsage: true, usage: { prompt_tokens: 3, completion_tokens: 2 } });
  });
});
