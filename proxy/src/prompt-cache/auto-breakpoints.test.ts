import { describe, expect, it } from 'vitest';
import { addAutoBreakpoints, MAX_BREAKPOINTS } from './auto-breakpoints.ts';
import { canonicalJson } from '../cache/canonical-json.ts';
import { compilePaths } from '@periscope/contract';

type Json = Record<string, unknown>;
const EPH = { type: 'ephemeral' };

const tool = (name: string) => ({ name, description: `${name} tool`, input_schema: { type: 'object', properties: {} } });
const request = (): Json => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  tools: [tool('read'), tool('write')],
  system: 'You are an agent.',
  messages: [
    { role: 'user', content: 'Fix the bug.' },
    { role: 'assistant', content: [{ type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 't1', name: 'read', input: { path: 'a' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'file a' }] },
  ],
});

function count(body: unknown): number {
  return (JSON.stringify(body).match(/"cache_control"/g) ?? []).length;
}

/** The request with every cache_control removed and string forms expanded: what must not change. */
function meaning(body: Json): string {
  const expand = (b: Json): Json => ({
    ...b,
    system: typeof b.system === 'string' ? [{ type: 'text', text: b.system }] : b.system,
    messages: (b.messages as Json[]).map((m) => ({ ...m, content: typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content })),
  });
  const strip = compilePaths(['tools[*].cache_control', 'system[*].cache_control', 'messages[*].content[*].cache_control', 'messages[*].content[*].content[*].cache_control']);
  return canonicalJson(expand(body), strip);
}

describe('addAutoBreakpoints', () => {
  it('marks the last message, the last system block and the last tool, and changes nothing else', () => {
    const body = request();
    const before = JSON.stringify(body);
    const out = addAutoBreakpoints(body, { repeatedMessages: 0 })!;
    expect(JSON.stringify(body)).toBe(before); // the input is not modified
    expect(meaning(out)).toBe(meaning(body));
    expect((out.tools as Json[])[1]!.cache_control).toEqual(EPH);
    expect((out.tools as Json[])[0]!.cache_control).toBeUndefined();
    expect(out.system).toEqual([{ type: 'text', text: 'You are an agent.', cache_control: EPH }]);
    const last = (out.messages as Json[])[2]!.content as Json[];
    expect(last[0]!.cache_control).toEqual(EPH);
    expect(count(out)).toBe(3);
  });

  it('also marks the last message the previous call of the session sent', () => {
    const out = addAutoBreakpoints(request(), { repeatedMessages: 1 })!;
    expect((out.messages as Json[])[0]!.content).toEqual([{ type: 'text', text: 'Fix the bug.', cache_control: EPH }]);
    expect(count(out)).toBe(4);
  });

  it('never goes over 4 breakpoints counting the client\'s own, and keeps the client\'s', () => {
    const body = request();
    (body.tools as Json[])[0] = { ...tool('read'), cache_control: EPH };
    (body.tools as Json[])[1] = { ...tool('write'), cache_control: EPH };
    const out = addAutoBreakpoints(body, { repeatedMessages: 1 })!;
    expect(count(out)).toBe(MAX_BREAKPOINTS);
    // Priority: the final message first, then the message the previous call ended with.
    expect(JSON.stringify((out.messages as Json[])[2])).toContain('cache_control');
    expect(JSON.stringify((out.messages as Json[])[0])).toContain('cache_control');
    expect(out.system).toBe('You are an agent.');

    const full = { ...body, system: [{ type: 'text', text: 'S', cache_control: EPH }], messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cache_control: EPH }] }] };
    expect(addAutoBreakpoints(full, { repeatedMessages: 0 })).toBeUndefined();
  });

  it('skips thinking blocks and empty text, and places nothing before a client 1-hour breakpoint', () => {
    const body: Json = {
      system: [{ type: 'text', text: 'S' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'thinking', thinking: 't', signature: 's' }, { type: 'text', text: '' }] },
      ],
    };
    const out = addAutoBreakpoints(body, { repeatedMessages: 0 })!;
    const last = (out.messages as Json[])[1]!.content as Json[];
    expect(last[0]!.cache_control).toEqual(EPH);
    expect(last[1]!.cache_control).toBeUndefined();
    expect(last[2]!.cache_control).toBeUndefined();
    expect((out.system as Json[])[0]!.cache_control).toBeUndefined(); // would sit before the 1-hour one
    expect(count(out)).toBe(2);
  });

  it('returns undefined when there is nowhere to put one', () => {
    expect(addAutoBreakpoints({ messages: [{ role: 'user', content: '' }] }, { repeatedMessages: 0 })).toBeUndefined();
  });
});
