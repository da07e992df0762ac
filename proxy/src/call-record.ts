import type { VerifiedKey } from './auth/gateway-keys.ts';
import type { AttemptRecord, CacheStatus, RequestEvent, ProviderType } from '@periscope/contract';
import type { Endpoint } from './providers/types.ts';
import type { PriceBook } from './pricing/price-types.ts';
import type { RequestMetadata } from './request-metadata.ts';
import type { Observed } from './usage/usage.ts';
import type { CallTrace } from './otel/call-trace.ts';

/**
 * Everything known about one proxied call, filled in as it progresses and turned into an
 * event once the response has ended (see events/build-event.ts).
 */
export interface CallRecord {
  requestId: string;
  startedAt: number;
  /** performance.now() at arrival, for latency. */
  t0: number;
  meta: RequestMetadata;
  userAgent: string;
  projectId: string;
  keyId: string;
  /** What the gateway key allows: its models (empty = any) and its own limit rule. */
  keyAccess: Pick<VerifiedKey, 'allowed_models' | 'limit'>;
  provider: string;
  providerType: ProviderType | undefined;
  model: string;
  endpoint: Endpoint;
  streamed: boolean;
  status: number;
  errorType: string;
  errorMessage: string;
  ttftMs: number | null;
  requestBody: Buffer | undefined;
  /** requestBody as text, once the gateway decoded it to parse it: a long prompt is then not decoded again to be stored. */
  requestText?: string;
  /** The request's stored body, redacted while the provider answered (events/build-event.ts: prepareStoredRequest). */
  preparedRequest?: PreparedStoredBody;
  response: BodyCapture;
  /** Usage seen in a stream; for JSON responses it is parsed from `response` at the end. */
  streamObserved: Observed | undefined;
  upstreamRequestId: string;
  /** Credentials this call carried, scrubbed verbatim from everything stored. */
  secrets: string[];
  attempts: number;
  /** One entry per upstream attempt (retries and fallbacks). */
  attemptLog: AttemptRecord[];
  /** The fallback model that served; '' when the requested one did. */
  fallbackModel: string;
  cacheStatus: CacheStatus;
  /** On a response-cache hit: the request whose stored response was replayed. */
  cacheSourceRequestId: string;
  /** Provider prompt-cache expectation for this call, set by the prompt-cache tracker. */
  promptCache: PromptCacheExpectation | undefined;
  /**
   * Run with the event once the connection closed: release key leases and in-flight counts,
   * account usage and spend, release calls waiting on this one's cache entry.
   */
  onEnd: Array<(event: RequestEvent) => void>;
  /** Set when the event was built and handed to the sink: before the answer's last byte. */
  event: RequestEvent | undefined;
  /** Gateway headers for the client's response (RateLimit-*, Periscope-Cache, ...). */
  responseHeaders: Record<string, string>;
  /** The price book of the config snapshot the call started with. */
  priceBook: PriceBook;
  /** Span ids and attempt spans while OpenTelemetry export is on; undefined when it is off. */
  trace: CallTrace | undefined;
}

/** A stored body redacted ahead of the event, with what it was computed from: the number of the call's secrets then (they only grow) and the size limit. */
export interface PreparedStoredBody {
  body: string;
  truncated: boolean;
  /** Its redaction failed: a notice is stored instead (events/build-event.ts: WITHHELD_BODY). */
  withheld?: true;
  secrets: number;
  max: number;
}

export interface PromptCacheExpectation {
  /** A previous call of the same session shared a cacheable prefix with this one. */
  expected: boolean;
  /** First prompt block that differs from the previous call of the session; -1 when none did. */
  divergedAt: number;
  /** Shown when the expected hit did not happen. */
  missReason: string;
}

/**
 * How far past `logging.max_stored_body_bytes` a body is kept and read for secrets before it is
 * clipped, so that a clip through a key cannot leave its start behind: a key quoted whole in one
 * string needs its own length, one a stream sends token by token needs its events', a few KB.
 */
export const STORED_BODY_MARGIN = 16 * 1024;

/** Room taken for a body's bytes once a second chunk comes: a stream of chat chunks is a few KB. */
const FIRST_CAPACITY = 1024;

/**
 * Keeps the first `limit` bytes of a response body and counts the rest. The first chunk is kept
 * as it came; from the second on the bytes are copied into one buffer that grows by half when
 * full (at most a third of it unused; about three times the kept bytes copied in all). A list of
 * the chunks kept each one a Buffer of its own for the whole call, and a stream lasts long
 * enough for them to be copied into the old space: 8 per stream of the bench's mock, hundreds
 * for a long answer (docs/benchmarks.md, "What an open stream holds").
 */
export class BodyCapture {
  private bytes: Buffer | undefined;
  /** Whether `bytes` is this capture's own buffer (grown and written into) rather than the first chunk. */
  private owned = false;
  private kept = 0;
  private decoded: string | undefined;
  total = 0;
  /** Lowered once the response turns out not to need parsing (streams, pass-through): keepForStoring. */
  limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Keeps only what is stored of the body, and the margin read for secrets past it. */
  keepForStoring(maxStoredBytes: number): void {
    this.limit = maxStoredBytes + STORED_BODY_MARGIN;
  }

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.kept >= this.limit) return;
    const part = this.kept + chunk.length > this.limit ? chunk.subarray(0, this.limit - this.kept) : chunk;
    if (this.bytes === undefined) {
      this.bytes = part;
      this.kept = part.length;
      return;
    }
    const needed = this.kept + part.length;
    if (!this.owned || needed > this.bytes.length) {
      // Not from Node's shared pool: a small pooled buffer kept for the call would keep its 8 KB slab.
      const grown = Buffer.allocUnsafeSlow(Math.min(this.limit, Math.max(needed, this.kept + (this.kept >> 1), FIRST_CAPACITY)));
      this.bytes.copy(grown, 0, 0, this.kept);
      this.bytes = grown;
      this.owned = true;
    }
    part.copy(this.bytes, this.kept);
    this.kept = needed;
  }

  get complete(): boolean {
    return this.total === this.kept;
  }

  /** Decoded once: the event builder reads it for usage, the stored body and error text. */
  text(): string {
    this.decoded ??= this.bytes === undefined ? '' : this.bytes.toString('utf8', 0, this.kept);
    return this.decoded;
  }
}

export function statusClass(status: number): string {
  return status === 0 ? 'none' : `${Math.floor(status / 100)}xx`;
}
