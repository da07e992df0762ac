import type { Endpoint } from '../../providers/types.ts';
import type { StoredBody } from '../stored-response.ts';
import { assembleMessage, synthesizeMessageStream } from './anthropic-message-stream.ts';
import { assembleChatCompletion, isUsageChunk, synthesizeChatStream } from './openai-chat-stream.ts';
import { frameJson } from './sse-frames.ts';

export interface ReplayRequest {
  endpoint: Endpoint;
  /** The client asked for a stream. */
  stream: boolean;
  /** OpenAI `stream_options.include_usage` as the client sent it. */
  includeUsage: boolean;
}

/**
 * What a hit sends for this request, converted between JSON and SSE when the stored shape
 * differs from the one asked for. undefined when no faithful conversion exists (the Responses
 * API, legacy completions, a stream without the usage the client asked for): a miss.
 */
export function planReplay(stored: StoredBody, request: ReplayRequest): StoredBody | undefined {
  const { endpoint, stream, includeUsage } = request;
  if (stored.kind === 'json') {
    if (!stream) return stored;
    if (endpoint !== 'chat.completions' && endpoint !== 'messages') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(stored.text);
    } catch {
      return undefined;
    }
    if (!parsed || typeof parsed !== 'object') return undefined;
    const json = parsed as Record<string, unknown>;
    const frames = endpoint === 'messages' ? synthesizeMessageStream(json) : synthesizeChatStream(json, includeUsage);
    return frames ? { kind: 'sse', frames } : undefined;
  }
  if (stream) return endpoint === 'chat.completions' || endpoint === 'completions' ? openAiStream(stored.frames, includeUsage) : stored;
  const assembled =
    endpoint === 'chat.completions' ? assembleChatCompletion(stored.frames) : endpoint === 'messages' ? assembleMessage(stored.frames) : undefined;
  return assembled ? { kind: 'json', text: JSON.stringify(assembled) } : undefined;
}

/** The usage chunk goes only to clients that asked for it (the gateway may have added it upstream). */
function openAiStream(frames: readonly string[], includeUsage: boolean): StoredBody | undefined {
  const at = usageChunkIndex(frames);
  if (includeUsage) return at >= 0 ? { kind: 'sse', frames: [...frames] } : undefined;
  return { kind: 'sse', frames: at >= 0 ? frames.filter((_, i) => i !== at) : [...frames] };
}

/** Scans from the end, where the usage chunk sits, so a long stream is not parsed frame by frame. */
function usageChunkIndex(frames: readonly string[]): number {
  for (let i = frames.length - 1; i >= 0; i--) {
    const chunk = frameJson(frames[i]!);
    if (isUsageChunk(chunk)) return i;
    if (chunk && Array.isArray(chunk.choices) && chunk.choices.length > 0) return -1;
  }
  return -1;
}
