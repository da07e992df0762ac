import { randomFillSync } from 'node:crypto';

/** A W3C trace context as received from a client (https://www.w3.org/TR/trace-context/). */
export interface RemoteContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** Validated and bounded, or '' when absent or malformed. */
  traceState: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
// Keys: lower-case simple keys or tenant@system multi-tenant keys; values: printable ASCII without ',' and '='.
const TRACESTATE_MEMBER = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_TRACESTATE_MEMBERS = 32;
const MAX_TRACESTATE_CHARS = 512;

/**
 * Reads `traceparent` and `tracestate`. Anything malformed (several traceparent headers, version
 * ff, upper-case hex, all-zero ids, a version-00 header with trailing data) yields undefined: the
 * call then starts a new trace, as the specification asks. A malformed tracestate is dropped
 * alone.
 */
export function parseTraceContext(traceparent: unknown, tracestate: unknown): RemoteContext | undefined {
  if (typeof traceparent !== 'string' || traceparent.length > 512) return undefined;
  const m = TRACEPARENT.exec(traceparent.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1, traceState: parseTraceState(tracestate) };
}

/** Several tracestate headers are one list; invalid lists are dropped, long ones trimmed as the spec says. */
export function parseTraceState(header: unknown): string {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (typeof text !== 'string' || text.length === 0 || text.length > 8192) return '';
  const members = text.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
  if (members.length > MAX_TRACESTATE_MEMBERS) return '';
  const keys = new Set<string>();
  for (const member of members) {
    if (!TRACESTATE_MEMBER.test(member)) return '';
    const key = member.slice(0, member.indexOf('='));
    if (keys.has(key)) return '';
    keys.add(key);
  }
  // Over the limit: members longer than 128 characters go first, then the right-most ones.
  let length = members.join(',').length;
  while (length > MAX_TRACESTATE_CHARS) {
    const long = members.findIndex((m) => m.length > 128);
    const [removed] = members.splice(long >= 0 ? long : members.length - 1, 1);
    length -= removed!.length + 1;
  }
  return members.join(',');
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** Random ids from a pooled buffer: one crypto fill per 256 span ids instead of one per id. */
export class IdSource {
  readonly #pool = Buffer.allocUnsafe(4096);
  #offset = this.#pool.length;

  #hex(bytes: number): string {
    for (;;) {
      if (this.#offset + bytes > this.#pool.length) {
        randomFillSync(this.#pool);
        this.#offset = 0;
      }
      const id = this.#pool.toString('hex', this.#offset, this.#offset + bytes);
      this.#offset += bytes;
      // All-zero ids are invalid; with random bytes this loop essentially never repeats.
      if (id !== ZERO_SPAN && id !== ZERO_TRACE) return id;
    }
  }

  traceId(): string {
    return this.#hex(16);
  }

  spanId(): string {
    return this.#hex(8);
  }
}

export interface SamplingConfig {
  ratio: number;
  parent_based: boolean;
}

/**
 * Parent-based, trace-id-ratio sampling: a caller's sampled flag decides when it sent one (and
 * parent_based is on); otherwise the trace id does, so every service that samples the same
 * trace by ratio makes the same choice.
 */
export function shouldSample(sampling: SamplingConfig, traceId: string, parent: RemoteContext | undefined): boolean {
  if (parent && sampling.parent_based) return parent.sampled;
  if (sampling.ratio >= 1) return true;
  if (sampling.ratio <= 0) return false;
  return parseInt(traceId.slice(-8), 16) < sampling.ratio * 0x1_0000_0000;
}
