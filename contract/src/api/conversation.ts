/**
 * Turns stored request/response bodies (OpenAI chat, OpenAI Responses, Anthropic messages,
 * JSON or SSE) into one list of messages with typed parts, for the UI's chat-style view.
 * Bodies may be truncated or not JSON at all: then `raw` says so and nothing is guessed.
 * Shared with the gateway, which reads a stream's stored body as this view joins it before
 * storing it (proxy/src/events/reader-joins.ts).
 */
export type Part =
  | { kind: 'text'; text: string }
  | { kind: 'thinking'; text: string }
  | { kind: 'image'; source: string }
  | { kind: 'tool_call'; id: string; name: string; args: string }
  | { kind: 'tool_result'; id: string; content: string; isError: boolean }
  | { kind: 'other'; label: string; value: unknown };

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: Role;
  name?: string;
  parts: Part[];
}

export interface ToolDef {
  name: string;
  description: string;
}

export interface Conversation {
  format: 'openai-chat' | 'openai-responses' | 'anthropic' | 'openai-completions' | 'unknown';
  request: ChatMessage[];
  response: ChatMessage[];
  tools: ToolDef[];
  /** An error body of the provider, as its message. */
  error?: string;
  /** True when a body was present but could not be read (truncated, not JSON). */
  unreadable: { request: boolean; response: boolean };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const pretty = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2) ?? '');

/**
 * An index the view files a tool call or block under. Beyond MAX_INDEX it is not one (as if
 * missing): the arrays are walked whole, and a stream naming index 4294967294 would have them
 * walked four billion times (helper-58; the gateway runs this reader too, reader-joins.ts).
 */
const MAX_INDEX = 1024;
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MAX_INDEX;

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `data:` payloads of an SSE body, with the event name when there is one. */
export function parseSse(text: string): { event: string; data: unknown }[] {
  const out: { event: string; data: unknown }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event = '';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) continue;
    const payload = data.join('\n');
    if (payload === '[DONE]') continue;
    const parsed = tryJson(payload);
    if (parsed !== undefined) out.push({ event, data: parsed });
  }
  return out;
}

const looksLikeSse = (text: string) => /^(event|data):/m.test(text.slice(0, 200));

// ---------- OpenAI chat ----------

function openaiContent(content: unknown): Part[] {
  if (typeof content === 'string') return content ? [{ kind: 'text', text: content }] : [];
  return arr(content).map((p): Part => {
    const o = obj(p) ?? {};
    if (o.type === 'text' || o.type === 'input_text' || o.type === 'output_text') return { kind: 'text', text: str(o.text) };
    if (o.type === 'image_url') return { kind: 'image', source: str(obj(o.image_url)?.url ?? o.image_url) };
    if (o.type === 'input_image') return { kind: 'image', source: str(o.image_url) || str(o.file_id) };
    if (o.type === 'refusal') return { kind: 'text', text: str(o.refusal) };
    return { kind: 'other', label: str(o.type) || 'part', value: p };
  });
}

function openaiMessage(m: unknown): ChatMessage {
  const o = obj(m) ?? {};
  const role = (str(o.role) || 'user') as Role;
  const parts = openaiContent(o.content);
  const reasoning = str(o.reasoning_content) || str(o.reasoning);
  if (reasoning) parts.unshift({ kind: 'thinking', text: reasoning });
  if (typeof o.refusal === 'string' && o.refusal) parts.push({ kind: 'text', text: o.refusal });
  for (const c of arr(o.tool_calls)) {
    const call = obj(c) ?? {};
    const fn = obj(call.function) ?? {};
    parts.push({ kind: 'tool_call', id: str(call.id), name: str(fn.name), args: str(fn.arguments) });
  }
  if (role === 'tool') return { role, parts: [{ kind: 'tool_result', id: str(o.tool_call_id), content: parts.map((p) => (p.kind === 'text' ? p.text : pretty(p))).join('\n'), isError: false }] };
  return { role, name: str(o.name) || undefined, parts };
}

function openaiChatResponse(body: string): ChatMessage[] | undefined {
  if (looksLikeSse(body)) {
    let text = '';
    let reasoning = '';
    const calls: { id: string; name: string; args: string }[] = [];
    for (const { data } of parseSse(body)) {
      const delta = obj(obj(arr(obj(data)?.choices)[0])?.delta);
      if (!delta) continue;
      text += str(delta.content);
      reasoning += str(delta.reasoning_content);
      for (const tc of arr(delta.tool_calls)) {
        const d = obj(tc) ?? {};
        const i = isIndex(d.index) ? d.index : calls.length;
        calls[i] ??= { id: '', name: '', args: '' };
        const fn = obj(d.function) ?? {};
        calls[i]!.id ||= str(d.id);
        calls[i]!.name += str(fn.name);
        calls[i]!.args += str(fn.arguments);
      }
    }
    const parts: Part[] = [];
    if (reasoning) parts.push({ kind: 'thinking', text: reasoning });
    if (text) parts.push({ kind: 'text', text });
    for (const c of calls) if (c) parts.push({ kind: 'tool_call', ...c });
    return parts.length ? [{ role: 'assistant', parts }] : undefined;
  }
  const json = obj(tryJson(body));
  if (!json) return undefined;
  const choices = arr(json.choices);
  if (choices.length === 0) return undefined;
  return choices.map((c) => {
    const o = obj(c) ?? {};
    if (o.message) return openaiMessage(o.message);
    return { role: 'assistant' as Role, parts: [{ kind: 'text' as const, text: str(o.text) }] };
  });
}

// ---------- Anthropic ----------

function anthropicBlocks(content: unknown): Part[] {
  if (typeof content === 'string') return content ? [{ kind: 'text', text: content }] : [];
  return arr(content).map((b): Part => {
    const o = obj(b) ?? {};
    switch (o.type) {
      case 'text': return { kind: 'text', text: str(o.text) };
      case 'thinking': return { kind: 'thinking', text: str(o.thinking) };
      case 'redacted_thinking': return { kind: 'thinking', text: '[redacted]' };
      case 'image': {
        const src = obj(o.source) ?? {};
        return { kind: 'image', source: str(src.url) || `${str(src.media_type) || 'image'} (${str(src.type) || 'inline'})` };
      }
      case 'tool_use':
      case 'server_tool_use':
        return { kind: 'tool_call', id: str(o.id), name: str(o.name), args: JSON.stringify(o.input ?? {}) };
      case 'tool_result': {
        const inner = typeof o.content === 'string' ? o.content : anthropicBlocks(o.content).map((p) => (p.kind === 'text' ? p.text : pretty(p))).join('\n');
        return { kind: 'tool_result', id: str(o.tool_use_id), content: inner, isError: o.is_error === true };
      }
      default: return { kind: 'other', label: str(o.type) || 'block', value: b };
    }
  });
}

function anthropicResponse(body: string): ChatMessage[] | undefined {
  if (looksLikeSse(body)) {
    const blocks: Part[] = [];
    for (const { data } of parseSse(body)) {
      const o = obj(data) ?? {};
      const i = isIndex(o.index) ? o.index : -1;
      if (o.type === 'content_block_start' && i >= 0) {
        const b = obj(o.content_block) ?? {};
        blocks[i] = b.type === 'tool_use' ? { kind: 'tool_call', id: str(b.id), name: str(b.name), args: '' }
          : b.type === 'thinking' ? { kind: 'thinking', text: str(b.thinking) }
          : { kind: 'text', text: str(b.text) };
      } else if (o.type === 'content_block_delta' && i >= 0 && blocks[i]) {
        const d = obj(o.delta) ?? {};
        const block = blocks[i]!;
        if (block.kind === 'text') block.text += str(d.text);
        else if (block.kind === 'thinking') block.text += str(d.thinking);
        else if (block.kind === 'tool_call') block.args += str(d.partial_json);
      }
    }
    const parts = blocks.filter(Boolean);
    return parts.length ? [{ role: 'assistant', parts }] : undefined;
  }
  const json = obj(tryJson(body));
  if (!json || json.type === 'error' || !Array.isArray(json.content)) return undefined;
  return [{ role: 'assistant', parts: anthropicBlocks(json.content) }];
}

// ---------- OpenAI Responses ----------

function responsesItems(items: unknown): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const it of arr(items)) {
    const o = obj(it) ?? {};
    if (o.type === 'function_call' || o.type === 'custom_tool_call') {
      out.push({ role: 'assistant', parts: [{ kind: 'tool_call', id: str(o.call_id), name: str(o.name), args: str(o.arguments) || str(o.input) }] });
    } else if (o.type === 'function_call_output' || o.type === 'custom_tool_call_output') {
      out.push({ role: 'tool', parts: [{ kind: 'tool_result', id: str(o.call_id), content: pretty(o.output), isError: false }] });
    } else if (o.type === 'reasoning') {
      const text = arr(o.summary).map((s) => str(obj(s)?.text)).join('\n');
      if (text) out.push({ role: 'assistant', parts: [{ kind: 'thinking', text }] });
    } else if (o.type === 'message' || (o.type === undefined && o.role)) {
      out.push({ role: (str(o.role) || 'assistant') as Role, parts: openaiContent(o.content) });
    } else {
      // Item types this view does not know (Codex's `additional_tools`, say) are shown whole,
      // under their own role when they have one, never as an empty message.
      out.push({ role: (str(o.role) || 'assistant') as Role, parts: [{ kind: 'other', label: str(o.type) || 'item', value: it }] });
    }
  }
  // Consecutive assistant items (reasoning, text, calls) read as one turn.
  return out.reduce<ChatMessage[]>((acc, m) => {
    const last = acc[acc.length - 1];
    if (last && last.role === 'assistant' && m.role === 'assistant') last.parts.push(...m.parts);
    else acc.push(Object.assign({}, m, { parts: [...m.parts] }));
    return acc;
  }, []);
}

function responsesResponse(body: string): ChatMessage[] | undefined {
  if (looksLikeSse(body)) {
    let text = '';
    for (const { data } of parseSse(body)) {
      const o = obj(data) ?? {};
      const done = obj(o.response);
      if ((o.type === 'response.completed' || o.type === 'response.incomplete' || o.type === 'response.failed') && done && Array.isArray(done.output) && done.output.length) {
        return responsesItems(done.output);
      }
      if (o.type === 'response.output_text.delta') text += str(o.delta);
    }
    return text ? [{ role: 'assistant', parts: [{ kind: 'text', text }] }] : undefined;
  }
  const json = obj(tryJson(body));
  if (!json || !Array.isArray(json.output)) return undefined;
  return responsesItems(json.output);
}

// ---------- entry ----------

function errorOf(body: string): string | undefined {
  const json = obj(tryJson(body));
  const err = obj(json?.error);
  if (err) return str(err.message) || JSON.stringify(err);
  if (looksLikeSse(body)) {
    for (const { data } of parseSse(body)) {
      const e = obj(obj(data)?.error);
      if (e) return str(e.message) || JSON.stringify(e);
    }
  }
  return undefined;
}

function toolsOf(req: Json): ToolDef[] {
  return arr(req.tools).map((t) => {
    const o = obj(t) ?? {};
    const fn = obj(o.function);
    return { name: str(fn?.name ?? o.name), description: str(fn?.description ?? o.description) };
  }).filter((t) => t.name);
}

function detectFormat(endpoint: string, req: Json | undefined): Conversation['format'] {
  if (endpoint === 'messages') return 'anthropic';
  if (endpoint === 'responses') return 'openai-responses';
  if (endpoint === 'chat.completions') return 'openai-chat';
  if (endpoint === 'completions') return 'openai-completions';
  if (!req) return 'unknown';
  if ('input' in req && !('messages' in req)) return 'openai-responses';
  if ('messages' in req) {
    // Passthrough calls: Anthropic has a top-level system and typed content blocks.
    const anthropicBlock = arr(req.messages).some((m) => arr(obj(m)?.content).some((b) => ['tool_use', 'tool_result', 'thinking'].includes(str(obj(b)?.type))));
    return 'system' in req || anthropicBlock ? 'anthropic' : 'openai-chat';
  }
  if ('prompt' in req) return 'openai-completions';
  return 'unknown';
}

function responseReader(format: Conversation['format']): (body: string) => ChatMessage[] | undefined {
  return format === 'anthropic' ? anthropicResponse : format === 'openai-responses' ? responsesResponse : openaiChatResponse;
}

/**
 * Every reading this view may make of a response body on `endpoint`: the one for its format, or,
 * on a pass-through path (whose format the view takes from the request), one per format.
 */
export function responseReadings(endpoint: string, responseBody: string): ChatMessage[][] {
  const format = detectFormat(endpoint, undefined);
  const formats: Conversation['format'][] = format === 'unknown' ? ['anthropic', 'openai-responses', 'openai-chat'] : [format];
  return formats.map((f) => responseReader(f)(responseBody) ?? []);
}

export function parseConversation(endpoint: string, requestBody: string, responseBody: string): Conversation {
  const reqJson = obj(tryJson(requestBody));
  const format = detectFormat(endpoint, reqJson);
  const request: ChatMessage[] = [];
  let response: ChatMessage[] | undefined;

  if (reqJson) {
    if (format === 'anthropic') {
      const sys = reqJson.system;
      if (sys) request.push({ role: 'system', parts: typeof sys === 'string' ? [{ kind: 'text', text: sys }] : anthropicBlocks(sys) });
      for (const m of arr(reqJson.messages)) {
        const o = obj(m) ?? {};
        const parts = anthropicBlocks(o.content);
        // A user turn made only of tool results is the tool speaking.
        const role: Role = o.role === 'user' && parts.length > 0 && parts.every((p) => p.kind === 'tool_result') ? 'tool' : (str(o.role) || 'user') as Role;
        request.push({ role, parts });
      }
    } else if (format === 'openai-responses') {
      if (typeof reqJson.instructions === 'string' && reqJson.instructions) request.push({ role: 'system', parts: [{ kind: 'text', text: reqJson.instructions }] });
      if (typeof reqJson.input === 'string') request.push({ role: 'user', parts: [{ kind: 'text', text: reqJson.input }] });
      else request.push(...responsesItems(reqJson.input));
    } else if (format === 'openai-completions') {
      const prompt = reqJson.prompt;
      request.push({ role: 'user', parts: [{ kind: 'text', text: Array.isArray(prompt) ? prompt.map(pretty).join('\n') : pretty(prompt) }] });
    } else {
      request.push(...arr(reqJson.messages).map(openaiMessage));
    }
  }

  if (responseBody) {
    response = responseReader(format)(responseBody);
  }

  return {
    format,
    request,
    response: response ?? [],
    tools: reqJson ? toolsOf(reqJson) : [],
    error: responseBody ? errorOf(responseBody) : undefined,
    unreadable: {
      request: requestBody.length > 0 && !reqJson,
      response: responseBody.length > 0 && !response && !errorOf(responseBody),
    },
  };
}
