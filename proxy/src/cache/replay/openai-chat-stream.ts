import { jsonObject } from '../../usage/usage.ts';
import { dataFrame, DONE_FRAME, frameJson } from './sse-frames.ts';

type Json = Record<string, unknown>;

/** OpenAI's usage-only chunk (include_usage): no choices, a usage block. */
export function isUsageChunk(chunk: Json | undefined): boolean {
  return !!chunk && Array.isArray(chunk.choices) && chunk.choices.length === 0 && !!jsonObject(chunk.usage);
}

interface ToolCallParts {
  id: string;
  type: string;
  name: string;
  args: string;
}

interface ChoiceParts {
  role: string;
  content: string | null;
  refusal: string | null;
  toolCalls: ToolCallParts[];
  logprobs: unknown[] | null;
  finishReason: unknown;
}

/**
 * Choice and tool-call indexes at or past this make a stream that is not assembled (the call goes
 * to the provider): a provider's index sizes the arrays walked afterwards, and one frame saying
 * 100,000,000 took half a minute.
 */
const MAX_PART_INDEX = 65_536;
const validIndex = (i: number) => Number.isInteger(i) && i >= 0 && i < MAX_PART_INDEX;

function choiceParts(choices: ChoiceParts[], index: number): ChoiceParts {
  choices[index] ??= { role: 'assistant', content: null, refusal: null, toolCalls: [], logprobs: null, finishReason: null };
  return choices[index];
}

/** False when a tool call's index is out of range. */
function addDelta(parts: ChoiceParts, delta: Json): boolean {
  if (typeof delta.role === 'string') parts.role = delta.role;
  if (typeof delta.content === 'string') parts.content = (parts.content ?? '') + delta.content;
  if (typeof delta.refusal === 'string') parts.refusal = (parts.refusal ?? '') + delta.refusal;
  for (const raw of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
    const call = jsonObject(raw);
    if (!call) continue;
    const i = typeof call.index === 'number' ? call.index : parts.toolCalls.length;
    if (!validIndex(i)) return false;
    const tc = (parts.toolCalls[i] ??= { id: '', type: 'function', name: '', args: '' });
    const fn = jsonObject(call.function);
    if (typeof call.id === 'string') tc.id = call.id;
    if (typeof call.type === 'string') tc.type = call.type;
    if (typeof fn?.name === 'string') tc.name += fn.name;
    if (typeof fn?.arguments === 'string') tc.args += fn.arguments;
  }
  return true;
}

/**
 * The chat.completion object a non-streamed call would have received, from the chunks of a
 * stored stream: deltas joined per choice, tool-call fragments joined per index, the usage
 * chunk's usage. undefined when the frames hold no chunk, or an index out of range.
 */
export function assembleChatCompletion(frames: readonly string[]): Json | undefined {
  let head: Json | undefined;
  let usage: unknown = null;
  const choices: ChoiceParts[] = [];
  for (const frame of frames) {
    const chunk = frameJson(frame);
    if (!chunk || !Array.isArray(chunk.choices)) continue;
    head ??= chunk;
    if (jsonObject(chunk.usage)) usage = chunk.usage;
    for (const raw of chunk.choices) {
      const choice = jsonObject(raw);
      if (!choice) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      if (!validIndex(index)) return undefined;
      const parts = choiceParts(choices, index);
      const delta = jsonObject(choice.delta);
      if (delta && !addDelta(parts, delta)) return undefined;
      const logprobs = jsonObject(choice.logprobs);
      if (Array.isArray(logprobs?.content)) {
        // Appended in place: copying the list at each chunk made a long stream's replay quadratic.
        const list = (parts.logprobs ??= []);
        for (const entry of logprobs.content) list.push(entry);
      }
      if (choice.finish_reason != null) parts.finishReason = choice.finish_reason;
    }
  }
  if (!head) return undefined;
  const out: Json = {
    id: head.id,
    object: 'chat.completion',
    created: head.created,
    model: head.model,
    choices: choices.map((c, index) => ({
      index,
      message: {
        role: c.role,
        content: c.content,
        refusal: c.refusal,
        ...(c.toolCalls.length > 0
          ? { tool_calls: c.toolCalls.map((t) => ({ id: t.id, type: t.type, function: { name: t.name, arguments: t.args } })) }
          : {}),
      },
      logprobs: c.logprobs ? { content: c.logprobs } : null,
      finish_reason: c.finishReason,
    })),
    usage,
  };
  if (head.system_fingerprint !== undefined) out.system_fingerprint = head.system_fingerprint;
  if (head.service_tier !== undefined) out.service_tier = head.service_tier;
  return out;
}

/** Message fields a stream can say; anything else (audio, annotations) keeps the call a miss. */
const STREAMABLE_MESSAGE_FIELDS = new Set(['role', 'content', 'refusal', 'tool_calls', 'annotations', 'function_call']);

/**
 * The chunks a streamed call would have received for a stored chat.completion: per choice a
 * role chunk, the content, each tool call whole, and the finish reason; then the usage chunk
 * when the client asked for it, and `[DONE]`. undefined when the completion has parts a
 * stream cannot carry.
 */
export function synthesizeChatStream(completion: Json, includeUsage: boolean): string[] | undefined {
  if (!Array.isArray(completion.choices)) return undefined;
  const head: Json = { id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model };
  if (completion.service_tier !== undefined) head.service_tier = completion.service_tier;
  if (completion.system_fingerprint !== undefined) head.system_fingerprint = completion.system_fingerprint;
  const chunk = (choices: unknown[]) => dataFrame(Object.assign({}, head, includeUsage ? { choices, usage: null } : { choices }));
  const frames: string[] = [];
  for (const raw of completion.choices) {
    const choice = jsonObject(raw);
    const message = jsonObject(choice?.message);
    if (!choice || !message) return undefined;
    if (Object.keys(message).some((k) => !STREAMABLE_MESSAGE_FIELDS.has(k))) return undefined;
    if (message.function_call != null || (Array.isArray(message.annotations) && message.annotations.length > 0)) return undefined;
    const index = choice.index ?? 0;
    const at = (delta: Json, extra: Json = {}) => chunk([{ index, delta, logprobs: null, finish_reason: null, ...extra }]);
    frames.push(at({ role: message.role ?? 'assistant', content: '', refusal: null }));
    if (typeof message.content === 'string' && message.content !== '') frames.push(at({ content: message.content }, { logprobs: choice.logprobs ?? null }));
    if (typeof message.refusal === 'string') frames.push(at({ refusal: message.refusal }));
    const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
    toolCalls.forEach((call, i) => frames.push(at({ tool_calls: [{ index: i, ...jsonObject(call) }] })));
    frames.push(at({}, { finish_reason: choice.finish_reason ?? 'stop' }));
  }
  if (includeUsage) {
    if (!jsonObject(completion.usage)) return undefined;
    frames.push(dataFrame(Object.assign({}, head, { choices: [], usage: completion.usage })));
  }
  frames.push(DONE_FRAME);
  return frames;
}
