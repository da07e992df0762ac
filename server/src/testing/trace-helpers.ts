import { randomBytes } from 'node:crypto';
import type { MockUpstream, StoredSpan } from '@periscope/testkit';

/** A caller's own W3C trace context, as an instrumented application would send it. */
export function callerContext(sampled = true) {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`, tracestate: 'app=checkout,vendor@sys=1' };
}

/** The spans whose parent is `parent`, oldest first. */
export function byParent(spans: StoredSpan[], parent: string): StoredSpan[] {
  return spans.filter((s) => s.parentSpanId === parent).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
}

/** The traceparent headers of the mock's requests that belong to this trace. */
export function upstreamTraceparents(mock: MockUpstream, traceId: string): string[] {
  return mock.requests.map((r) => String(r.headers.traceparent ?? '')).filter((tp) => tp.includes(traceId));
}
