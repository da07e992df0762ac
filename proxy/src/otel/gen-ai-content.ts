import { SseFramer } from '../relay/sse.ts';

/**
 * Prompt and completion content in the shapes of the OpenTelemetry GenAI conventions
 * (gen_ai.input.messages, gen_ai.output.messages, gen_ai.system_instructions: messages of
 * `parts` typed text / tool_call / tool_call_response), converted from the provider's own wire
 * format. Runs in the exporter thread, on bodies already scrubbed and clipped like stored ones.
 */
export interface Part {
  type: string;
  [field: string]: unknown;
}
export interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}
export interface Content {
  system: Part[] | undefined;
  input: Message[] | undefined;
  output: Message[] | undefined;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Tool arguments arrive as JSON text; the conventions want the object when it parses. */
const argumentsOf = (v: unknown): unknown => (typeof v === 'string' ? (parseJson(v) ?? v) : v);
const text = (content: string): Part => ({ type: 'text', content });

/** Maps the providers' stop reasons onto the conventions' finish reasons; others pass through. */
const FINISH_REASONS: Record<string, string> = {
  stop: 'stop', end_turn: 'stop', stop_sequence: 'stop', completed: 'stop', pause_turn: 'stop',
  length: 'length', max_tokens: 'length', max_output_tokens: 'length',
  tool_calls: 'tool_call', function_call: 'tool_call', tool_use: 'tool_call',
  content_filter: 'content_filter', refusal: 'content_filter', failed: 'error',
};
const finishReason = (reason: string): string => FINISH_REASONS[reason] ?? (reason || 'stop');

/** OpenAI content: a string, or parts of which text is kept and other kinds are named. */
function openAiParts(content: unknown): Part[] {
  if (typeof content === 'string') return [text(content)];
  return list(content).map((p) => {
    const part = obj(p) ?? {};
    const t = str(part.type);
    return t === 'text' || t === 'input_text' || t === 'output_text' ? text(str(part.text)) : { type: t || 'unknown' };
  });
}

function anthropicParts(content: unknown): Part[] {
  if (typeof content === 'string') return [text(content)];
  return list(content).map((b) => {
    const block = obj(b) ?? {};
    switch (block.type) {
      case 'text':
        return text(str(block.text));
      case 'tool_use':
        return { type: 'tool_call', id: str(block.id), name: str(block.name), arguments: block.input ?? null };
      case 'tool_result':
        return { type: 'tool_call_response', id: str(block.tool_use_id), result: typeof block.content === 'string' ? block.content : (block.content ?? null) };
      case 'thinking':
        return { type: 'reasoning', content: str(block.thinking) };
      default:
        return { type: str(block.type) || 'unknown' };
    }
  });
}

function chatInput(body: Json): Message[] {
  return list(body.messages).map((m) => {
    const msg = obj(m) ?? {};
    const role = str(msg.role) || 'user';
    if (role === 'tool') return { role, parts: [{ type: 'tool_call_response', id: str(msg.tool_call_id), result: msg.content ?? null }] };
    const parts = msg.content === undefined || msg.content === null ? [] : openAiParts(msg.content);
    for (const c of list(msg.tool_calls)) {
      const call = obj(c) ?? {};
      const fn = obj(call.function) ?? {};
      parts.push({ type: 'tool_call', id: str(call.id), name: str(fn.name), arguments: argumentsOf(fn.arguments) });
    }
    return { role, parts };
  });
}

function responsesInput(body: Json): Message[] {
  if (typeof body.input === 'string') return [{ role: 'user', parts: [text(body.input)] }];
  return list(body.input).map((i) => {
    const item = obj(i) ?? {};
    if (item.type === 'function_call') {
      return { role: 'assistant', parts: [{ type: 'tool_call', id: str(item.call_id), name: str(item.name), arguments: argumentsOf(item.arguments) }] };
    }
    if (item.type === 'function_call_output') return { role: 'tool', parts: [{ type: 'tool_call_response', id: str(item.call_id), result: item.output ?? null }] };
    return { role: str(item.role) || 'user', parts: openAiParts(item.content) };
  });
}

/** The request side: system instructions (where the API keeps them apart) and input messages. */
export function requestContent(endpoint: string, body: Json): Pick<Content, 'system' | 'input'> {
  switch (endpoint) {
    case 'chat.completions':
      return { system: undefined, input: chatInput(body) };
    case 'messages':
      return {
        system: body.system === undefined ? undefined : anthropicParts(body.system),
        input: list(body.messages).map((m) => ({ role: str(obj(m)?.role) || 'user', parts: anthropicParts(obj(m)?.content) })),
      };
    case 'responses':
      return { system: typeof body.instructions === 'string' ? [text(body.instructions)] : undefined, input: responsesInput(body) };
    case 'completions':
      return { system: undefined, input: [{ role: 'user', parts: list(body.prompt).length > 0 ? list(body.prompt).map((p) => text(str(p))) : [text(str(body.prompt))] }] };
    default:
      return { system: undefined, input: undefined };
  }
}

function chatChoices(choices: unknown): Message[] {
  return list(choices).map((c) => {
    const choice = obj(c) ?? {};
    const message = obj(choice.message) ?? {};
    const parts = message.content === undefined || message.content === null ? [] : openAiParts(message.content);
    if (typeof choice.text === 'string') parts.push(text(choice.text));
    for (const t of list(message.tool_calls)) {
      const call = obj(t) ?? {};
      const fn = obj(call.function) ?? {};
      parts.push({ type: 'tool_call', id: str(call.id), name: str(fn.name), arguments: argumentsOf(fn.arguments) });
    }
    return { role: 'assistant', parts, finish_reason: finishReason(str(choice.finish_reason)) };
  });
}

function responsesOutput(response: Json): Message[] {
  const parts: Part[] = [];
  for (const i of list(response.output)) {
    const item = obj(i) ?? {};
    if (item.type === 'message') parts.push(...openAiParts(item.content));
    else if (item.type === 'function_call') parts.push({ type: 'tool_call', id: str(item.call_id), name: str(item.name), arguments: argumentsOf(item.arguments) });
    else parts.push({ type: str(item.type) || 'unknown' });
  }
  const reason = str(obj(response.incomplete_details)?.reason) || str(response.status);
  return [{ role: 'assistant', parts, finish_reason: finishReason(reason) }];
}

function jsonOutput(endpoint: string, body: Json): Message[] | undefined {
  if (endpoint === 'messages') return [{ role: 'assistant', parts: anthropicParts(body.content), finish_reason: finishReason(str(body.stop_reason)) }];
  if (endpoint === 'responses') return responsesOutput(body);
  if (endpoint === 'chat.completions' || endpoint === 'completions') return chatChoices(body.choices);
  return undefined;
}

interface StreamChoice {
  text: string;
  tools: Array<{ id: string; name: string; args: string }>;
  finish: string;
}

/** OpenAI chat and completion chunks, reassembled per choice (text and tool-call argument deltas). */
function openAiStream(events: Json[]): Message[] {
  const choices: StreamChoice[] = [];
  for (const event of events) {
    for (const c of list(event.choices)) {
      const choice = obj(c) ?? {};
      const index = typeof choice.index === 'number' && choice.index >= 0 && choice.index < 128 ? choice.index : 0;
      const into = (choices[index] ??= { text: '', tools: [], finish: '' });
      const delta = obj(choice.delta) ?? {};
      into.text += str(delta.content) + str(choice.text);
      for (const t of list(delta.tool_calls)) {
        const call = obj(t) ?? {};
        const at = typeof call.index === 'number' && call.index >= 0 && call.index < 128 ? call.index : 0;
        const tool = (into.tools[at] ??= { id: '', name: '', args: '' });
        const fn = obj(call.function) ?? {};
        tool.id ||= str(call.id);
        tool.name ||= str(fn.name);
        tool.args += str(fn.arguments);
      }
      if (typeof choice.finish_reason === 'string') into.finish = choice.finish_reason;
    }
  }
  return choices.filter(Boolean).map((c) => ({
    role: 'assistant',
    parts: [...(c.text ? [text(c.text)] : []), ...c.tools.filter(Boolean).map((t) => ({ type: 'tool_call', id: t.id, name: t.name, arguments: argumentsOf(t.args) }))],
    finish_reason: finishReason(c.finish),
  }));
}

/** Anthropic stream: content blocks opened, filled by deltas, and the stop reason of message_delta. */
function anthropicStream(events: Json[]): Message[] {
  const blocks: Part[] = [];
  const partialJson: string[] = [];
  let stop = '';
  for (const event of events) {
    const index = typeof event.index === 'number' && event.index >= 0 && event.index < 1024 ? event.index : 0;
    if (event.type === 'content_block_start') {
      const block = obj(event.content_block) ?? {};
      blocks[index] = block.type === 'tool_use' ? { type: 'tool_call', id: str(block.id), name: str(block.name), arguments: null }
        : block.type === 'thinking' ? { type: 'reasoning', content: '' }
          : block.type === 'text' ? text(str(block.text)) : { type: str(block.type) || 'unknown' };
      partialJson[index] = '';
    } else if (event.type === 'content_block_delta') {
      const delta = obj(event.delta) ?? {};
      const block = blocks[index];
      if (!block) continue;
      if (delta.type === 'text_delta') block.content = str(block.content) + str(delta.text);
      else if (delta.type === 'thinking_delta') block.content = str(block.content) + str(delta.thinking);
      else if (delta.type === 'input_json_delta') partialJson[index] = (partialJson[index] ?? '') + str(delta.partial_json);
    } else if (event.type === 'message_delta') {
      stop = str(obj(event.delta)?.stop_reason) || stop;
    }
  }
  blocks.forEach((block, i) => {
    if (block.type === 'tool_call' && partialJson[i]) block.arguments = argumentsOf(partialJson[i]);
  });
  return [{ role: 'assistant', parts: blocks.filter(Boolean), finish_reason: finishReason(stop) }];
}

function streamOutput(endpoint: string, sse: string): Message[] | undefined {
  const framer = new SseFramer();
  const frames = framer.push(sse);
  const tail = framer.flush();
  if (tail) frames.push(tail);
  const events = frames.map((f) => obj(parseJson(f.data))).filter((e): e is Json => e !== undefined);
  if (endpoint === 'messages') return anthropicStream(events);
  if (endpoint === 'responses') {
    const done = events.find((e) => e.type === 'response.completed' || e.type === 'response.incomplete' || e.type === 'response.failed');
    const response = obj(done?.response);
    return response ? responsesOutput(response) : undefined;
  }
  if (endpoint === 'chat.completions' || endpoint === 'completions') return openAiStream(events);
  return undefined;
}

/** The response side; undefined when the body is empty, cut short as JSON, or not a generation. */
export function responseContent(endpoint: string, body: string, streamed: boolean): Message[] | undefined {
  if (body.length === 0) return undefined;
  if (streamed) return streamOutput(endpoint, body);
  const json = obj(parseJson(body));
  return json ? jsonOutput(endpoint, json) : undefined;
}

/** The request side of a stored body; undefined when it is empty or was cut (no longer JSON). */
export function parseRequestContent(endpoint: string, body: string): Pick<Content, 'system' | 'input'> | undefined {
  const json = obj(parseJson(body));
  return json ? requestContent(endpoint, json) : undefined;
}

/**
 * JSON text of at most `maxBytes`: longest strings in parts are cut first (the structure stays
 * valid JSON), then the oldest messages are left out. Returns the text and whether it was cut.
 */
export function boundedJson(value: unknown[], maxBytes: number): { json: string; truncated: boolean } {
  let json = JSON.stringify(value);
  if (Buffer.byteLength(json) <= maxBytes) return { json, truncated: false };
  let items = value;
  for (;;) {
    // Binary search of the longest string kept in any part that still fits.
    let lo = 0;
    let hi = maxBytes;
    let best: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const candidate = JSON.stringify(items, (key, v) => (typeof v === 'string' && key !== 'type' && key !== 'role' && v.length > mid ? `${v.slice(0, mid)}…` : v));
      if (Buffer.byteLength(candidate) <= maxBytes) {
        best = candidate;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (best !== undefined) return { json: best, truncated: true };
    if (items.length <= 1) return { json: '[]', truncated: true };
    // Keep about as many of the latest messages as fit at their average size (at least one fewer).
    const keep = Math.min(items.length - 1, Math.max(1, Math.floor((items.length * maxBytes) / Buffer.byteLength(json))));
    items = items.slice(items.length - keep);
    json = JSON.stringify(items);
  }
}
