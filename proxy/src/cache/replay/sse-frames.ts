import { SseFramer } from '../../relay/sse.ts';
import { jsonObject } from '../../usage/usage.ts';

type Json = Record<string, unknown>;

/** The JSON payload of one stored SSE frame; undefined for `[DONE]`, comments and junk. */
export function frameJson(raw: string): Json | undefined {
  const framer = new SseFramer();
  const event = framer.push(raw)[0] ?? framer.flush();
  if (!event || event.data === '' || event.data === '[DONE]') return undefined;
  try {
    return jsonObject(JSON.parse(event.data));
  } catch {
    return undefined;
  }
}

export function dataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function namedFrame(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

export const DONE_FRAME = 'data: [DONE]\n\n';
