import type { KeyLimits, LimitConfig } from '@periscope/contract';
import { GatewayError } from '../errors.ts';
import type { Endpoint } from '../providers/types.ts';

/**
 * A key's own limits as one more rule for the limits engine: it matches only this key, so the
 * key gets counters of its own next to whatever `limits:` in the config says. The config's
 * default soft threshold applies to its budgets.
 */
export function keyLimitRule(keyId: string, limits: KeyLimits | undefined): LimitConfig | undefined {
  if (!limits) return undefined;
  const { rpm, tpm, concurrency, budget_usd } = limits;
  const budget = budget_usd && Object.values(budget_usd).some((v) => v !== undefined) ? budget_usd : undefined;
  if (rpm === undefined && tpm === undefined && concurrency === undefined && !budget) return undefined;
  return { match: { key: keyId }, rpm, tpm, concurrency, budget_usd: budget, soft_threshold: 0.8 };
}

const matches = (pattern: string, model: string) =>
  pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : pattern === model;

/**
 * Refuses a call for a model the key is not allowed, before the cache or any upstream sees it.
 * Every model the client names counts, including its own `Periscope-Fallbacks`; fallbacks
 * from the config are the operator's choice and are not checked. A restricted key may list
 * models (`GET /v1/models`), but a call that names no model (a pass-through route) is refused,
 * since nothing would show it stays within the list.
 */
export function checkModelsAllowed(allowed: readonly string[], requested: readonly string[], endpoint: Endpoint): void {
  if (allowed.length === 0 || endpoint === 'models') return;
  const refused = requested.length === 0 ? '' : requested.find((m) => !allowed.some((p) => matches(p, m)));
  if (refused === undefined) return;
  const list = allowed.join(', ');
  throw new GatewayError('model_not_allowed', refused === ''
    ? `This gateway key may only call the models ${list}, and the request names none.`
    : `This gateway key may not call the model "${refused}" (allowed: ${list}).`, 'model');
}
