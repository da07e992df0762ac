import type { FastifyReply } from 'fastify';
import type { CallRecord } from '../call-record.ts';
import type { Endpoint } from '../providers/types.ts';
import { responseHead } from '../relay/response-head.ts';
import { SseFramer } from '../relay/sse.ts';
import { StreamUsageObserver } from '../usage/stream-observer.ts';
import { emptyUsage, usageFromJson, type Observed } from '../usage/usage.ts';
import type { StoredBody, StoredResponse } from './stored-response.ts';

/**
 * Usage and served model of the stored response, read from all of it: a replay may leave out
 * the usage chunk (the client did not ask for it), yet the row prices what the call saved.
 */
function storedUsage(endpoint: Endpoint, body: StoredBody, withResponseMeta: boolean): Observed {
  if (body.kind === 'json') {
    try {
      return usageFromJson(endpoint, JSON.parse(body.text), withResponseMeta);
    } catch {
      return { usage: emptyUsage(), sawUsage: false, model_served: '' };
    }
  }
  const observer = new StreamUsageObserver(endpoint, withResponseMeta);
  const framer = new SseFramer();
  for (const event of framer.push(body.frames.join(''))) observer.observe(event.data);
  const tail = framer.flush();
  if (tail) observer.observe(tail.data);
  return observer.observed;
}

/**
 * Answers a call from the cache: the stored status and replayable headers, `Periscope-Cache:
 * HIT`, and the body in the shape the call asked for (planned by the lookup). The call is
 * recorded like the original (provider, usage, so cost_saved_usd), with no upstream attempt.
 */
export function replayHit(
  reply: FastifyReply, call: CallRecord, source: StoredResponse, body: StoredBody, maxStoredBodyBytes: number, logCall: (call: CallRecord) => void,
): void {
  call.provider = source.provider;
  call.providerType = source.providerType;
  call.status = source.status;
  call.attempts = 0;
  call.streamObserved = storedUsage(call.endpoint, source.body, call.trace !== undefined);
  call.streamed = body.kind === 'sse';
  const payload = body.kind === 'json' ? body.text : body.frames.join('');
  if (call.streamed) call.response.keepForStoring(maxStoredBodyBytes);
  call.response.add(Buffer.from(payload));

  reply.hijack();
  const res = reply.raw;
  res.writeHead(source.status, responseHead(source.headers, {
    'content-type': body.kind === 'sse' ? 'text/event-stream; charset=utf-8' : (source.body.kind === 'json' && source.headers['content-type']) || 'application/json',
    'periscope-cache': 'HIT',
    'periscope-request-id': call.requestId,
    'periscope-provider': source.provider,
  }));
  if (call.streamed) call.ttftMs = Math.round(performance.now() - call.t0);
  logCall(call);
  res.end(payload);
}
