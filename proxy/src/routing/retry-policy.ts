import type { IncomingHttpHeaders } from 'node:http';
import type { RetryConfig, RetryTrigger } from '@periscope/contract';

/** Why an attempt failed, in the vocabulary of `retry.on` / `fallback_on`. */
export type FailureKind =
  | { kind: 'status'; status: number; subtype?: 'context_length' | 'content_policy' }
  | { kind: 'timeout' }
  | { kind: 'connection' };

export function matchesTrigger(failure: FailureKind, triggers: readonly RetryTrigger[]): boolean {
  switch (failure.kind) {
    case 'timeout':
      return triggers.includes('timeout');
    case 'connection':
      return triggers.includes('connection');
    case 'status':
      return triggers.includes(failure.status) || (failure.subtype !== undefined && triggers.includes(failure.subtype));
  }
}

/**
 * A 400 that a bigger or different model could answer: the prompt is over the context
 * window, or the provider's content filter refused it. Read from the provider's error text.
 */
export function classifyBadRequest(errorText: string): 'context_length' | 'content_policy' | undefined {
  const t = errorText.toLowerCase();
  if (/context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long/.test(t)) return 'context_length';
  if (/content[_ ]policy|content[_ ]filter|safety system|flagged|responsibleaipolicyviolation/.test(t)) return 'content_policy';
  return undefined;
}

/** Full jitter (AWS architecture blog): uniform in [0, min(max, base * 2^retry)]. */
export function backoffDelayMs(retry: number, cfg: RetryConfig, random: () => number = Math.random): number {
  const ceiling = Math.min(cfg.max_delay_ms, cfg.base_delay_ms * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** `retry-after-ms` (OpenAI, Anthropic) or `Retry-After` in seconds or as an HTTP date; undefined if absent. */
export function retryAfterMs(headers: IncomingHttpHeaders, now: number = Date.now()): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
