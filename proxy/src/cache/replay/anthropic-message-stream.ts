import { copyWith } from '@periscope/contract';
import { jsonObject } from '../../usage/usage.ts';
import { frameJson, namedFrame } from './sse-frames.ts';

type Json = Record<string, unknown>;

interface BlockParts {
  block: Json;
  /** input_json_delta fragments of a tool_use / server_tool_use block. */
  json: string;
}

function applyDelta(parts: BlockParts, delta: Json): void {
  const b = parts.block;
  switch (delta.type) {
    case 'text_delta':
      b.text = String(b.text ?? '') + String(delta.text ?? '');
      break;
    case 'input_json_delta':
      parts.json += String(delta.partial_json ?? '');
      break;
    case 'thinking_delta':
      b.thinking = String(b.thinking ?? '') + String(delta.thinking ?? '');
      break;
    case 'signature_delta':
      b.signature = delta.signature;
      break;
    case 'citations_delta':
      // Appended in place: copying the list at each delta made a long stream's replay quadratic.
      if (!Array.isArray(b.citations)) b.citations = [];
      (b.citations as unknown[]).push(delta.citation);
      break;
  }
}

/** Content block indexes at or past this make a stream that is not assembled (the call goes to the provider). */
const MAX_BLOCK_INDEX = 65_536;

/**
 * The Message a non-streamed call would have received, from the events of a stored stream:
 * message_start's message, each content block with its deltas applied (tool input JSON parsed
 * at its end), and message_delta's stop reason and usage. undefined without message_start.
 */
export function assembleMessage(frames: readonly string[]): Json | undefined {
  let message: Json | undefined;
  const blocks: BlockParts[] = [];
  for (const frame of frames) {
    const event = frameJson(frame);
    if (!event) continue;
    const index = typeof event.index === 'number' ? event.index : -1;
    // A provider's index sizes the array walked below: one past the bound is not assembled.
    if ((event.type === 'content_block_start' || event.type === 'content_block_delta') && !(Number.isInteger(index) && index >= 0 && index < MAX_BLOCK_INDEX)) {
      if (event.type === 'content_block_start') return undefined;
      continue;
    }
    switch (event.type) {
      case 'message_start':
        message = copyWith(jsonObject(event.message), {});
        break;
      case 'content_block_start':
        blocks[index] = { block: copyWith(jsonObject(event.content_block), {}), json: '' };
        break;
      case 'content_block_delta': {
        const delta = jsonObject(event.delta);
        if (blocks[index] && delta) applyDelta(blocks[index], delta);
        break;
      }
      case 'message_delta':
        if (message) {
          message = copyWith(message, jsonObject(event.delta) ?? {});
          // message_delta's usage is cumulative; counts it omits keep their message_start value.
          message.usage = copyWith(jsonObject(message.usage), jsonObject(event.usage) ?? {});
        }
        break;
    }
  }
  if (!message) return undefined;
  try {
    message.content = blocks.filter(Boolean).map(({ block, json }) => {
      if (json !== '') block.input = JSON.parse(json);
      return block;
    });
  } catch {
    return undefined; // tool input that is not JSON: the stream cannot become a Message
  }
  return message;
}

/** The empty form a block starts a stream with; its content follows as deltas. */
function blockStart(block: Json): { start: Json; deltas: Json[] } {
  switch (block.type) {
    case 'text': {
      const { text, citations, ...rest } = block;
      const deltas: Json[] = (Array.isArray(citations) ? citations : []).map((citation) => ({ type: 'citations_delta', citation }));
      if (typeof text === 'string' && text !== '') deltas.unshift({ type: 'text_delta', text });
      return { start: copyWith(rest, { text: '' }), deltas };
    }
    case 'thinking': {
      const { thinking, signature, ...rest } = block;
      const deltas: Json[] = [{ type: 'thinking_delta', thinking: thinking ?? '' }];
      if (typeof signature === 'string') deltas.push({ type: 'signature_delta', signature });
      return { start: copyWith(rest, { thinking: '', signature: '' }), deltas };
    }
    case 'tool_use':
    case 'server_tool_use': {
      const { input, ...rest } = block;
      return { start: copyWith(rest, { input: {} }), deltas: [{ type: 'input_json_delta', partial_json: JSON.stringify(input ?? {}) }] };
    }
    default:
      // Results of server tools, redacted thinking: the API sends these whole in the start event.
      return { start: block, deltas: [] };
  }
}

/**
 * The events a streamed call would have received for a stored Message: message_start with
 * the input-side usage, each block as start / deltas / stop, message_delta with the stop
 * reason and output usage, message_stop. undefined when the body is not a Message.
 */
export function synthesizeMessageStream(message: Json): string[] | undefined {
  if (message.type !== 'message' || !Array.isArray(message.content)) return undefined;
  const usage = jsonObject(message.usage) ?? {};
  const { content, stop_reason, stop_sequence, ...head } = message;
  const frames = [
    namedFrame('message_start', {
      type: 'message_start',
      message: copyWith(head, { content: [], stop_reason: null, stop_sequence: null, usage: copyWith(usage, { output_tokens: Math.min(1, Number(usage.output_tokens ?? 0)) }) }),
    }),
  ];
  (content as unknown[]).forEach((raw, index) => {
    const { start, deltas } = blockStart(jsonObject(raw) ?? {});
    frames.push(namedFrame('content_block_start', { type: 'content_block_start', index, content_block: start }));
    for (const delta of deltas) frames.push(namedFrame('content_block_delta', { type: 'content_block_delta', index, delta }));
    frames.push(namedFrame('content_block_stop', { type: 'content_block_stop', index }));
  });
  frames.push(namedFrame('message_delta', { type: 'message_delta', delta: { stop_reason, stop_sequence: stop_sequence ?? null }, usage: { output_tokens: usage.output_tokens ?? 0 } }));
  frames.push(namedFrame('message_stop', { type: 'message_stop' }));
  return frames;
}
