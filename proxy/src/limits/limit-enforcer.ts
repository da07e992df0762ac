import type { RequestEvent, LimitConfig } from '@periscope/contract';
import { GatewayError } from '../errors.ts';
import type { ProxyMetrics } from '../metrics.ts';
import type { AdmitEntry, CounterAdd, CounterStore } from './counter-store.ts';
import type { CostEstimate } from './estimate-cost.ts';
import { budgetWindow, minuteWindow, type BudgetPeriod } from './limit-windows.ts';
import { ruleScope, type CallSubject } from './limit-rules.ts';

/** Dollars are counted in micro-dollars: integer counters, exact sums. */
const MICRO = 1_000_000;
/** A concurrency slot whose holder vanished (a crashed proxy) frees itself after this. */
const LEASE_MS = 15 * 60_000;
const PERIODS: BudgetPeriod[] = ['day', 'week', 'month'];
/** How long a session's spend and tokens are counted, from its first call. */
const SESSION_COUNTER_MS = 7 * 86_400_000;

type EntryMeta =
  | { what: 'rpm' | 'tpm'; limit: number; endsAt: number }
  | { what: 'concurrency'; limit: number }
  | { what: 'budget'; period: BudgetPeriod; limitUsd: number; endsAt: number; scope: string }
  | { what: 'session_usd' | 'session_tokens'; limit: number; session: string; need: number };

export interface Admission {
  /** RateLimit-* for the tightest requests-per-minute rule that applied. */
  headers: Record<string, string>;
  /** With the finished call: count its tokens and spend, free its concurrency slots. */
  settle(event: RequestEvent): void;
}

export interface LimitLog {
  warn(obj: object, msg: string): void;
}

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * Limits from the config's `limits:` list, checked before a call goes upstream. Requests
 * per minute and concurrency count the call itself; tokens per minute and budgets count
 * what calls actually used, added when each ends, and refuse new calls once spent. A budget
 * admits a call only if spend so far plus the call's estimated cost (input, plus its output cap) stays within it.
 */
export class LimitEnforcer {
  readonly #store: CounterStore;
  readonly #metrics: ProxyMetrics;
  readonly #log: LimitLog;
  readonly #now: () => number;

  constructor(store: CounterStore, metrics: ProxyMetrics, log: LimitLog, now: () => number = Date.now) {
    this.#store = store;
    this.#metrics = metrics;
    this.#log = log;
    this.#now = now;
  }

  get storeKind(): string {
    return this.#store.kind;
  }

  async admit(rules: LimitConfig[], subject: CallSubject, estimate: CostEstimate, requestId: string): Promise<Admission> {
    const now = this.#now();
    const estimatedUsd = estimate.usd;
    const entries: AdmitEntry[] = [];
    const meta: EntryMeta[] = [];
    const budgets: Array<{ scope: string; period: BudgetPeriod; limitUsd: number; soft: number; endsAt: number; key: string }> = [];
    const tpmKeys: Array<{ key: string; ttlMs: number }> = [];
    const sessionUsdKeys: string[] = [];
    const leases: string[] = [];
    for (const rule of rules) {
      const scope = ruleScope(rule, subject);
      if (scope === undefined) continue;
      const minute = minuteWindow(now);
      const minuteTtl = minute.endsAt - now + 5_000;
      if (rule.rpm !== undefined) {
        entries.push({ kind: 'counter', key: `rpm:${scope}:${minute.id}`, need: 1, add: 1, limit: rule.rpm, ttlMs: minuteTtl });
        meta.push({ what: 'rpm', limit: rule.rpm, endsAt: minute.endsAt });
      }
      if (rule.tpm !== undefined) {
        const key = `tpm:${scope}:${minute.id}`;
        entries.push({ kind: 'counter', key, need: 1, add: 0, limit: rule.tpm, ttlMs: minuteTtl });
        meta.push({ what: 'tpm', limit: rule.tpm, endsAt: minute.endsAt });
        tpmKeys.push({ key, ttlMs: minuteTtl });
      }
      if (rule.concurrency !== undefined) {
        const key = `conc:${scope}`;
        entries.push({ kind: 'lease', key, member: requestId, limit: rule.concurrency, leaseMs: LEASE_MS });
        meta.push({ what: 'concurrency', limit: rule.concurrency });
        leases.push(key);
      }
      for (const period of PERIODS) {
        const limitUsd = rule.budget_usd?.[period];
        if (limitUsd === undefined) continue;
        const window = budgetWindow(period, now);
        const key = `usd:${scope}:${period}:${window.id}`;
        // At least one micro-dollar, so a budget that is exactly spent refuses the next call.
        entries.push({ kind: 'counter', key, need: Math.max(1, Math.ceil(estimatedUsd * MICRO)), add: 0, limit: Math.round(limitUsd * MICRO), ttlMs: window.endsAt - now + 60_000 });
        meta.push({ what: 'budget', period, limitUsd, endsAt: window.endsAt, scope });
        budgets.push({ scope, period, limitUsd, soft: rule.soft_threshold, endsAt: window.endsAt, key });
      }
      if (rule.per_session && subject.session !== '') {
        const session = `sess:${scope}:${encodeURIComponent(subject.session)}`;
        const { budget_usd, tokens } = rule.per_session;
        // Agents ask for their model's whole output window on every call (Claude Code: 128k
        // tokens): counting that cap would refuse a session long before it spent its budget,
        // so a session budget admits on the input estimate and counts what calls really cost.
        if (budget_usd !== undefined) {
          entries.push({ kind: 'counter', key: `${session}:usd`, need: Math.max(1, Math.ceil(estimate.inputUsd * MICRO)), add: 0, limit: Math.round(budget_usd * MICRO), ttlMs: SESSION_COUNTER_MS });
          meta.push({ what: 'session_usd', limit: budget_usd, session: subject.session, need: estimate.inputUsd });
          sessionUsdKeys.push(`${session}:usd`);
        }
        if (tokens !== undefined) {
          entries.push({ kind: 'counter', key: `${session}:tok`, need: 1, add: 0, limit: tokens, ttlMs: SESSION_COUNTER_MS });
          meta.push({ what: 'session_tokens', limit: tokens, session: subject.session, need: 0 });
          tpmKeys.push({ key: `${session}:tok`, ttlMs: SESSION_COUNTER_MS });
        }
      }
    }
    if (entries.length === 0) return { headers: {}, settle: () => {} };

    let result;
    try {
      result = await this.#store.admit(entries);
    } catch (err) {
      // Limits must not take the gateway down with their store: the call goes through, counted.
      this.#metrics.limitsUnavailable.inc();
      this.#log.warn({ err: (err as Error).message, store: this.#store.kind }, 'limit store unavailable; call admitted without limits');
      return { headers: {}, settle: () => {} };
    }
    if (!result.ok) throw this.#refusal(meta[result.index]!, now, result.value);

    const headers: Record<string, string> = {};
    let tightest = Infinity;
    meta.forEach((m, i) => {
      if (m.what !== 'rpm') return;
      const remaining = Math.max(0, m.limit - result.values[i]!);
      if (remaining >= tightest) return;
      tightest = remaining;
      headers['ratelimit-limit'] = String(m.limit);
      headers['ratelimit-remaining'] = String(remaining);
      headers['ratelimit-reset'] = seconds(m.endsAt - now);
    });
    return { headers, settle: (event) => this.#settle(event, tpmKeys, budgets, sessionUsdKeys, leases, requestId) };
  }

  #refusal(m: EntryMeta, now: number, value: number): GatewayError {
    if ('session' in m) {
      this.#metrics.rejected.inc({ reason: 'session_budget_exceeded' });
      // No Retry-After: waiting does not refill a session's budget, and clients would retry.
      const spent = m.what === 'session_usd'
        ? `$${(value / MICRO).toFixed(4)} of its $${m.limit} budget${m.need > 0 ? `, and this call's input (about $${m.need.toFixed(4)}) would go over it` : ''}`
        : `${value} of its ${m.limit} tokens`;
      return new GatewayError('budget_exceeded', `Periscope session budget exhausted: this session (${m.session}) has used ${spent}. Start a new session, or ask your Periscope admin to raise limits[].per_session.`, null, {
        'ratelimit-limit': String(m.limit), 'ratelimit-remaining': '0',
      });
    }
    if (m.what === 'budget') {
      this.#metrics.rejected.inc({ reason: 'budget_exceeded' });
      const reset = seconds(m.endsAt - now);
      return new GatewayError('budget_exceeded', `Budget exhausted: $${m.limitUsd} per ${m.period} for ${m.scope.split(':').slice(1).join(', ') || 'this scope'}. It resets at ${new Date(m.endsAt).toISOString()}.`, null, {
        'retry-after': reset, 'ratelimit-limit': String(m.limitUsd), 'ratelimit-remaining': '0', 'ratelimit-reset': reset,
      });
    }
    this.#metrics.rejected.inc({ reason: `rate_limited_${m.what}` });
    const reset = m.what === 'concurrency' ? '1' : seconds(m.endsAt - now);
    const what = m.what === 'rpm' ? 'requests per minute' : m.what === 'tpm' ? 'tokens per minute' : 'concurrent requests';
    return new GatewayError('rate_limited', `Rate limit reached: ${m.limit} ${what}.`, null, {
      'retry-after': reset, 'ratelimit-limit': String(m.limit), 'ratelimit-remaining': '0', 'ratelimit-reset': reset,
    });
  }

  #settle(
    event: RequestEvent,
    tpmKeys: Array<{ key: string; ttlMs: number }>,
    budgets: Array<{ scope: string; period: BudgetPeriod; limitUsd: number; soft: number; endsAt: number; key: string }>,
    sessionUsdKeys: string[],
    leases: string[],
    requestId: string,
  ): void {
    const tokens = event.prompt_tokens + event.completion_tokens;
    const micro = Math.round(event.cost_usd * MICRO);
    const adds: CounterAdd[] = [];
    if (tokens > 0) for (const t of tpmKeys) adds.push({ key: t.key, amount: tokens, ttlMs: t.ttlMs });
    const budgetAt = adds.length;
    if (micro > 0) for (const b of budgets) adds.push({ key: b.key, amount: micro, ttlMs: b.endsAt - this.#now() + 60_000 });
    if (micro > 0) for (const key of sessionUsdKeys) adds.push({ key, amount: micro, ttlMs: SESSION_COUNTER_MS });
    const work = async () => {
      await Promise.all(leases.map((key) => this.#store.release(key, requestId)));
      if (adds.length === 0) return;
      const values = await this.#store.add(adds);
      if (micro === 0) return;
      budgets.forEach((b, i) => {
        const after = values[budgetAt + i]! / MICRO;
        const threshold = b.soft * b.limitUsd;
        if (after >= threshold && after - micro / MICRO < threshold) {
          this.#metrics.budgetSoftExceeded.inc({ period: b.period });
          this.#log.warn({ scope: b.scope, period: b.period, spent_usd: after, budget_usd: b.limitUsd }, 'budget soft threshold crossed');
        }
      });
    };
    work().catch((err: Error) => {
      this.#metrics.limitsUnavailable.inc();
      this.#log.warn({ err: err.message, store: this.#store.kind }, 'could not count a call against its limits');
    });
  }
}
