import type { Translate } from '../../../lib/i18n/index.tsx';
import { formatCost, formatInteger } from '../../../lib/format.ts';
import type { KeyLimits } from '../../../api-types.ts';

/** "60 rpm · $5.00/day": a key's limits in one line, or '' without any. */
export function describeLimits(limits: KeyLimits, t: Translate): string {
  const parts: string[] = [];
  if (limits.rpm !== undefined) parts.push(t('keys.limit.rpm', { n: formatInteger(limits.rpm) }));
  if (limits.tpm !== undefined) parts.push(t('keys.limit.tpm', { n: formatInteger(limits.tpm) }));
  if (limits.concurrency !== undefined) parts.push(t('keys.limit.concurrency', { n: formatInteger(limits.concurrency) }));
  for (const period of ['day', 'week', 'month'] as const) {
    const usd = limits.budget_usd?.[period];
    if (usd !== undefined) parts.push(t(`keys.limit.budget.${period}`, { usd: formatCost(usd) }));
  }
  return parts.join(' · ');
}

export type LimitFields = Record<'rpm' | 'tpm' | 'concurrency' | 'day' | 'week' | 'month', string>;

/** The limits a form's text fields describe; an empty field is no limit (the server checks the rest). */
export function limitsFromFields(fields: LimitFields): KeyLimits {
  const limits: KeyLimits = {};
  for (const k of ['rpm', 'tpm', 'concurrency'] as const) if (fields[k].trim() !== '') limits[k] = Number(fields[k]);
  const budget: NonNullable<KeyLimits['budget_usd']> = {};
  for (const p of ['day', 'week', 'month'] as const) if (fields[p].trim() !== '') budget[p] = Number(fields[p]);
  if (Object.keys(budget).length > 0) limits.budget_usd = budget;
  return limits;
}
