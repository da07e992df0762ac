import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** A whole stream, prepared before the first byte so pacing never waits on generation. */
export interface SseScript {
  frames: string[];
  /** Index of the first frame that carries generated content (text or tool arguments). */
  firstDelta: number;
  /** The provider's in-stream error frame, for the `error-mid-stream` scenario. */
  failure: string;
}

export interface Pacing {
  intervalMs: number;
  stallAfterFirstChunk: boolean;
  /** Send every frame, then hold the connection open without ending it. */
  stallAfterEnd?: boolean;
  failMidStream: boolean;
  /** Write every frame in two pieces a moment apart, so they reach the client as separate chunks. */
  splitFrames?: boolean;
  /** Where a frame holding this text is cut: through its middle (else the frame's middle). */
  splitInside?: string;
}

/** Between the two pieces of a split frame: long enough that they leave as separate TCP segments. */
const SPLIT_PAUSE_MS = 5;

async function writeSplit(res: ServerResponse, frame: string, inside: string | undefined, signal: AbortSignal): Promise<boolean> {
  const at = inside !== undefined && frame.includes(inside) ? frame.indexOf(inside) + Math.floor(inside.length / 2) : Math.floor(frame.length / 2);
  res.write(frame.slice(0, at));
  if (!(await wait(SPLIT_PAUSE_MS, signal))) return false;
  res.write(frame.slice(at));
  return true;
}

export const SSE_DONE = 'data: [DONE]\n\n';

export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function sseEvent(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (the client went away). */
export async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Writes the script after headers were sent; `signal` aborts when the client disconnects. */
export async function playScript(
  res: ServerResponse,
  script: SseScript,
  pacing: Pacing,
  signal: AbortSignal,
): Promise<void> {
  const cut = pacing.stallAfterFirstChunk || pacing.failMidStream ? script.firstDelta + 1 : script.frames.length;
  const frames = script.frames.slice(0, cut);
  if (pacing.failMidStream) frames.push(script.failure);
  const holdOpen = pacing.stallAfterFirstChunk || pacing.stallAfterEnd === true;

  if (pacing.intervalMs <= 0 && !pacing.splitFrames) {
    // Unpaced streams exist for throughput: one write is the cheapest way to send them.
    const payload = frames.join('');
    if (!holdOpen) {
      res.end(payload);
      return;
    }
    res.write(payload);
  } else {
    for (let i = 0; i < frames.length; i++) {
      if (i > 0 && pacing.intervalMs > 0 && !(await wait(pacing.intervalMs, signal))) return;
      if (!pacing.splitFrames) res.write(frames[i]);
      else if (!(await writeSplit(res, frames[i]!, pacing.splitInside, signal))) return;
    }
    if (!holdOpen) {
      res.end();
      return;
    }
  }
  await untilAborted(signal);
}
