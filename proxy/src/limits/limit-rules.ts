import { createHash } from 'node:crypto';
import type { LimitConfig } from '@periscope/contract';

/** Who a call is, in the dimensions limits match on. */
export interface CallSubject {
  key: string;
  project: string;
  user: string;
  model: string;
  /** The call's session id ('' without one): per-session limits count each session apart. */
  session: string;
}

const DIMENSIONS = ['key', 'project', 'user', 'model'] as const;

/**
 * A rule applies when every dimension it names matches: `*` matches any value and gives
 * each value its own counter, an exact value matches only itself. A call without a user id
 * is outside rules on `user`. The scope string names the counter: the rule (by content, so
 * reordering rules in a reload keeps counts) and the values of its `*` dimensions.
 */
export function ruleScope(rule: LimitConfig, subject: CallSubject): string | undefined {
  const parts: string[] = [ruleId(rule)];
  for (const dim of DIMENSIONS) {
    const want = rule.match[dim];
    if (want === undefined) continue;
    const have = subject[dim];
    if (have === '') return undefined;
    if (want === '*') parts.push(`${dim}=${encodeURIComponent(have)}`);
    else if (want !== have) return undefined;
  }
  return parts.join(':');
}

const ids = new WeakMap<LimitConfig, string>();

function ruleId(rule: LimitConfig): string {
  let id = ids.get(rule);
  if (!id) {
    const { match, rpm, tpm, concurrency, budget_usd, per_session } = rule;
    id = createHash('sha256').update(JSON.stringify({ match, rpm, tpm, concurrency, budget_usd, per_session })).digest('hex').slice(0, 12);
    ids.set(rule, id);
  }
  return id;
}
