import { copyWith } from '@periscope/contract';
import { jsonObject } from '../usage/usage.ts';

type Json = Record<string, unknown>;

/** Anthropic refuses a request with more breakpoints than this. */
export const MAX_BREAKPOINTS = 4;
const EPHEMERAL = Object.freeze({ type: 'ephemeral' });

/** A place a breakpoint can go: a tool, a system block, or a message's content block. */
type Spot =
  | { where: 'tools'; index: number }
  | { where: 'system'; index: number }
  | { where: 'message'; message: number; part: number };

interface Found {
  count: number;
  /** Order index (see order()) of the last client breakpoint with a 1-hour TTL, -1 when none. */
  last1h: number;
}

/** Position in prompt order, so "before the client's 1-hour breakpoint" can be tested. */
function order(spot: Spot): number {
  if (spot.where === 'tools') return spot.index;
  if (spot.where === 'system') return 1e6 + spot.index;
  return 2e6 + spot.message * 1e4 + spot.part;
}

function asParts(content: unknown): unknown[] {
  return Array.isArray(content) ? content : [];
}

function existingBreakpoints(body: Json): Found {
  const found: Found = { count: 0, last1h: -1 };
  const see = (value: unknown, spot: Spot) => {
    const control = jsonObject(jsonObject(value)?.cache_control);
    if (!control) return;
    found.count++;
    if (control.ttl === '1h') found.last1h = Math.max(found.last1h, order(spot));
  };
  asParts(body.tools).forEach((t, index) => see(t, { where: 'tools', index }));
  asParts(body.system).forEach((b, index) => see(b, { where: 'system', index }));
  asParts(body.messages).forEach((m, message) => {
    asParts(jsonObject(m)?.content).forEach((part, i) => {
      see(part, { where: 'message', message, part: i });
      for (const inner of asParts(jsonObject(part)?.content)) see(inner, { where: 'message', message, part: i });
    });
  });
  return found;
}

/** Blocks the API refuses cache_control on: thinking blocks and empty text. */
function canCarry(block: unknown): boolean {
  if (typeof block === 'string') return block !== '';
  const b = jsonObject(block);
  if (!b || b.type === 'thinking' || b.type === 'redacted_thinking') return false;
  return b.type !== 'text' || (typeof b.text === 'string' && b.text !== '');
}

function lastCarrier(list: unknown[]): number {
  for (let i = list.length - 1; i >= 0; i--) if (canCarry(list[i])) return i;
  return -1;
}

/** The last content block of a message that can carry a breakpoint (string content counts as one). */
function messageSpot(messages: unknown[], message: number): Spot | undefined {
  const content = jsonObject(messages[message])?.content;
  if (typeof content === 'string') return content === '' ? undefined : { where: 'message', message, part: 0 };
  const part = lastCarrier(asParts(content));
  return part < 0 ? undefined : { where: 'message', message, part };
}

export interface AutoBreakpointOptions {
  /** Leading messages the session's previous call also sent (PromptCacheTracker.repeatedMessages). */
  repeatedMessages: number;
}

/**
 * `prompt_cache: auto` for an Anthropic Messages request: adds `cache_control` (5-minute,
 * ephemeral) on the longest stable prefix — the last message (written now, read by the next
 * turn), the last message the previous call of the session also sent (read now even when the
 * turn added more than the 20-block lookback), the last system block and the last tool (shared
 * by every session with the same system prompt and tools), in that priority — without going
 * over 4 breakpoints counting the client's own, and never before a client 1-hour breakpoint
 * (Anthropic requires longer TTLs first). Only cache_control is added; a string system prompt
 * or message content becomes the equivalent one-text-block array. Returns a new body, or
 * undefined when there is nothing to add; the input is never modified.
 */
export function addAutoBreakpoints(body: Json, options: AutoBreakpointOptions): Json | undefined {
  const found = existingBreakpoints(body);
  let budget = MAX_BREAKPOINTS - found.count;
  if (budget <= 0) return undefined;
  const messages = asParts(body.messages);
  const tools = asParts(body.tools);
  const candidates: (Spot | undefined)[] = [messageSpot(messages, messages.length - 1)];
  if (options.repeatedMessages > 0 && options.repeatedMessages < messages.length) {
    candidates.push(messageSpot(messages, options.repeatedMessages - 1));
  }
  const system = typeof body.system === 'string' ? [body.system] : asParts(body.system);
  const systemIndex = lastCarrier(system);
  if (systemIndex >= 0) candidates.push({ where: 'system', index: systemIndex });
  if (tools.length > 0 && jsonObject(tools.at(-1))) candidates.push({ where: 'tools', index: tools.length - 1 });

  let out: Json | undefined;
  for (const spot of candidates) {
    if (budget === 0) break;
    if (!spot || order(spot) < found.last1h) continue;
    const next = withBreakpoint(out ?? body, spot);
    if (!next) continue;
    out = next;
    budget--;
  }
  return out;
}

const marked = (block: unknown): Json =>
  typeof block === 'string' ? { type: 'text', text: block, cache_control: EPHEMERAL } : copyWith(jsonObject(block), { cache_control: EPHEMERAL });
const hasBreakpoint = (block: unknown) => jsonObject(block)?.cache_control != null;

/** A copy of `body` (sharing what it does not change) with a breakpoint at `spot`; undefined when one is there. */
function withBreakpoint(body: Json, spot: Spot): Json | undefined {
  if (spot.where === 'tools') {
    const tools = [...asParts(body.tools)];
    if (hasBreakpoint(tools[spot.index])) return undefined;
    tools[spot.index] = marked(tools[spot.index]);
    return copyWith(body, { tools });
  }
  if (spot.where === 'system') {
    const system = typeof body.system === 'string' ? [body.system] : [...asParts(body.system)];
    if (hasBreakpoint(system[spot.index])) return undefined;
    system[spot.index] = marked(system[spot.index]);
    return copyWith(body, { system });
  }
  const messages = [...asParts(body.messages)];
  const message = jsonObject(messages[spot.message])!;
  const content = typeof message.content === 'string' ? [message.content] : [...asParts(message.content)];
  if (hasBreakpoint(content[spot.part])) return undefined;
  content[spot.part] = marked(content[spot.part]);
  messages[spot.message] = copyWith(message, { content });
  return copyWith(body, { messages });
}
