import { describe, expect, it } from 'vitest';
import { promptCacheRules } from './cache-rules.ts';
import { blockBreakpoints, promptBlocks } from './prompt-blocks.ts';
import { PromptCacheTracker } from './prompt-cache-tracker.ts';

type Json = Record<string, unknown>;
const EPH = { type: 'ephemeral' };
const long = (word: string) => `${word} `.repeat(1500); // ~7,500 chars, ~1,900 tokens
const tool = (name: string, cached = false) => ({ name, description: long(name), input_schema: { type: 'object' }, ...(cached ? { cache_control: EPH } : {}) });

function turn(messages: number, options: { system?: string; tools?: Json[]; marked?: boolean } = {}): Json {
  const list: Json[] = [];
  for (let i = 0; i < messages; i++) {
    const last = options.marked && i === messages - 1;
    list.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: [{ type: 'text', text: `message ${i}`, ...(last ? { cache_control: EPH } : {}) }] });
  }
  return {
    model: 'claude-sonnet-4-5',
    tools: options.tools ?? [tool('alpha'), tool('beta'), tool('gamma')],
    system: options.system ?? 'You are an agent.',
    messages: list,
  };
}

function setup() {
  let now = 0;
  const tracker = new PromptCacheTracker({ maxSessions: 100, now: () => now });
  const rules = promptCacheRules('anthropic', 'claude-sonnet-4-5')!;
  const observe = (body: Json, session = 's1') =>
    tracker.observe(PromptCacheTracker.sessionKey('p', session, 'claude-sonnet-4-5'), promptBlocks('messages', body)!, blockBreakpoints('messages', body), rules);
  return { tracker, observe, advance: (ms: number) => (now += ms) };
}

describe('PromptCacheTracker (Anthropic)', () => {
  it('expects nothing on the first call of a session', () => {
    expect(setup().observe(turn(1, { marked: true }))).toEqual({ expected: false, divergedAt: -1, missReason: '' });
  });

  it('expects a hit when the conversation only grew and breakpoints cover the prefix', () => {
    const { observe } = setup();
    observe(turn(1, { marked: true }));
    const verdict = observe(turn(3, { marked: true }));
    expect(verdict.expected).toBe(true);
    expect(verdict.divergedAt).toBe(-1);
    expect(verdict.missReason).toMatch(/reported no cache read although the prefix through messages\[0\] \(~\d+ tokens\) was cached by the previous call 0 s earlier/);
  });

  it('names the tool that changed', () => {
    const { observe } = setup();
    observe(turn(2, { marked: true }));
    const tools = [tool('alpha'), tool('beta'), { ...tool('gamma'), description: long('GAMMA') }];
    const verdict = observe(turn(3, { marked: true, tools }));
    expect(verdict).toEqual({ expected: true, divergedAt: 2, missReason: 'tools[2] changed since the previous call of this session' });
  });

  it('expects a hit after a cached prefix even when the change comes before the minimum length', () => {
    const { observe } = setup();
    const small = (system: string) => ({ model: 'claude-sonnet-4-5', system, messages: [{ role: 'user', content: [{ type: 'text', text: long('question'), cache_control: EPH }] }] });
    observe(small('short system prompt'));
    expect(observe(small('another short system prompt'))).toEqual({ expected: true, divergedAt: 0, missReason: 'system prompt changed since the previous call of this session' });
  });

  it('says the system prompt changed', () => {
    const { observe } = setup();
    observe(turn(2, { marked: true }));
    const verdict = observe(turn(3, { marked: true, system: 'You are a different agent.' }));
    expect(verdict).toMatchObject({ expected: true, divergedAt: 3, missReason: 'system prompt changed since the previous call of this session' });
  });

  it('tells an added tool from a changed one', () => {
    const { observe } = setup();
    observe(turn(2, { marked: true }));
    const verdict = observe(turn(3, { marked: true, tools: [tool('alpha'), tool('beta'), tool('gamma'), tool('delta', true)] }));
    expect(verdict.missReason).toBe('tools[3] was added since the previous call of this session');
  });

  it('says when no breakpoint covers the shared prefix', () => {
    const { observe } = setup();
    observe(turn(1));
    expect(observe(turn(3)).missReason).toMatch(/^no cache_control breakpoint covers the shared prefix/);
    const { observe: again } = setup();
    again(turn(1, { marked: true }));
    expect(again(turn(3)).missReason).toMatch(/none at messages\[0\] or within the 20 blocks after it/);
  });

  it('expects the part before a change to be read when a breakpoint still covers it', () => {
    const { observe } = setup();
    const tools = [tool('alpha'), tool('beta'), tool('gamma', true)];
    observe(turn(2, { marked: true, tools }));
    const verdict = observe(turn(3, { marked: true, tools, system: 'You are a different agent.' }));
    expect(verdict).toMatchObject({ expected: true, divergedAt: 3 });
    expect(verdict.missReason).toMatch(/no cache read although the prefix through tools\[2\] \(~\d+ tokens\)/);
  });

  it('blames the cache TTL after 5 idle minutes', () => {
    const { observe, advance } = setup();
    observe(turn(1, { marked: true }));
    advance(5 * 60_000 + 1);
    expect(observe(turn(3, { marked: true })).missReason).toBe('the previous call was more than 5 minutes ago (Anthropic cache TTL)');
  });

  it('expects nothing when the shared prefix is below the minimum cacheable length', () => {
    const { observe } = setup();
    const small = { model: 'claude-sonnet-4-5', system: 'short', messages: [{ role: 'user', content: 'hi' }] };
    observe(small);
    expect(observe({ ...small, messages: [...small.messages, { role: 'assistant', content: 'yo' }] })).toMatchObject({ expected: false });
  });

  it('keeps sessions and projects apart, and forgets the least recently used', () => {
    let now = 0;
    const tracker = new PromptCacheTracker({ maxSessions: 2, now: () => now++ });
    const rules = promptCacheRules('anthropic', 'claude-sonnet-4-5')!;
    const body = turn(1, { marked: true });
    const see = (session: string) => tracker.observe(session, promptBlocks('messages', body)!, blockBreakpoints('messages', body), rules).expected;
    see('a');
    see('b');
    expect(see('a')).toBe(true);
    see('c'); // b is the least recently used now
    expect(see('b')).toBe(false);
  });

  it('counts the messages the previous call also sent, for auto breakpoints', () => {
    const tracker = new PromptCacheTracker({ maxSessions: 10 });
    const rules = promptCacheRules('anthropic', 'claude-sonnet-4-5')!;
    const first = turn(3);
    tracker.observe('s', promptBlocks('messages', first)!, blockBreakpoints('messages', first), rules);
    expect(tracker.repeatedMessages('s', promptBlocks('messages', turn(5))!)).toBe(3);
    expect(tracker.repeatedMessages('other', promptBlocks('messages', turn(5))!)).toBe(0);
  });
});

describe('PromptCacheTracker (OpenAI)', () => {
  it('expects a hit for a repeated prefix of 1,024 tokens and explains a miss', () => {
    const tracker = new PromptCacheTracker({ maxSessions: 10 });
    const rules = promptCacheRules('openai', 'gpt-4o')!;
    const messages = [{ role: 'system', content: long('rules') }, { role: 'user', content: 'q1' }];
    const see = (body: Json) => tracker.observe('s', promptBlocks('chat.completions', body)!, blockBreakpoints('chat.completions', body), rules);
    see({ model: 'gpt-4o', messages });
    expect(see({ model: 'gpt-4o', messages: [...messages, { role: 'assistant', content: 'a' }] })).toMatchObject({ expected: true, divergedAt: -1 });
    const changed = see({ model: 'gpt-4o', messages: [{ role: 'system', content: long('other') }, ...messages.slice(1)] });
    expect(changed).toEqual({ expected: true, divergedAt: 0, missReason: 'system prompt (messages[0]) changed since the previous call of this session' });
    expect(see({ model: 'gpt-4o', messages: [{ role: 'user', content: 'short' }] })).toMatchObject({ expected: true, divergedAt: 0 });
    expect(see({ model: 'gpt-4o', messages: [{ role: 'user', content: 'other' }] })).toMatchObject({ expected: false });
  });
});

describe('promptBlocks', () => {
  it('hashes blocks without their cache_control, in tools → system → messages order', () => {
    const plain = turn(2);
    const marked = turn(2, { marked: true });
    const a = promptBlocks('messages', plain)!;
    const b = promptBlocks('messages', marked)!;
    expect(a.labels).toEqual(['tools[0]', 'tools[1]', 'tools[2]', 'system', 'messages[0]', 'messages[1]']);
    expect([...a.hashes]).toEqual([...b.hashes]);
    expect([...blockBreakpoints('messages', marked)]).toEqual([0, 0, 0, 0, 0, 1]);
    expect([...blockBreakpoints('messages', turn(1, { tools: [tool('a', true)] }))]).toEqual([1, 0, 0]);
    expect(a.cumulativeChars[5]).toBeGreaterThan(a.cumulativeChars[4]!);
  });

  it('reads the 1-hour TTL and names the OpenAI system message', () => {
    const body = { system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } }], messages: [] };
    expect([...blockBreakpoints('messages', body)]).toEqual([0, 2]);
    expect(promptBlocks('messages', body)!.labels).toEqual(['system[0]', 'system[1]']);
    expect(promptBlocks('chat.completions', { messages: [{ role: 'developer', content: 'x' }] })!.labels).toEqual(['system prompt (messages[0])']);
    expect(promptBlocks('embeddings', {})).toBeUndefined();
  });
});
