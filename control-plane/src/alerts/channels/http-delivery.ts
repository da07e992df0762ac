import { setTimeout as sleep } from 'node:timers/promises';
import { BlockedAddressError, checkLiteralHost } from '@periscope/proxy';
import type { ChannelContext } from './channel-context.ts';

export interface HttpOutcome {
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

/** Statuses worth another try: the receiver was busy or failing, not refusing this body. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * POSTs a body, retrying network failures and retryable statuses with full-jitter
 * exponential backoff (or the receiver's Retry-After, up to 30 s). Headers are built per
 * attempt so a signature carries the time of the attempt, not of the first try. An address
 * the guard refuses is not retried: it will not become public.
 */
export async function postWithRetries(url: string, body: string, headers: () => Record<string, string>, ctx: ChannelContext): Promise<HttpOutcome> {
  let last: HttpOutcome = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= ctx.attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      checkLiteralHost(new URL(url), ctx.allowedNetworks);
      const res = await fetch(url, {
        method: 'POST', body, headers: { 'content-type': 'application/json', 'user-agent': 'Periscope-Alerts/1', ...headers() },
        redirect: 'manual', signal: AbortSignal.timeout(ctx.timeoutMs), dispatcher: ctx.dispatcher,
      } as RequestInit);
      await res.arrayBuffer();
      if (res.ok) return { ok: true, attempts: attempt, status: res.status };
      last = { ok: false, attempts: attempt, status: res.status, error: `HTTP ${res.status}` };
      if (!RETRYABLE.has(res.status)) return last;
      retryAfterMs = retryAfter(res.headers.get('retry-after'));
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      const reason = cause instanceof Error ? cause : (err as Error);
      last = { ok: false, attempts: attempt, error: reason.message };
      if (reason instanceof BlockedAddressError || err instanceof BlockedAddressError) return last;
    }
    if (attempt < ctx.attempts) await sleep(retryAfterMs ?? Math.random() * ctx.baseDelayMs * 2 ** (attempt - 1));
  }
  return last;
}

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}
