import type { AlertAggregate, AlertGroupBy } from '@periscope/clickhouse';
import type { Comparator, RuleDefinition } from '@periscope/contract';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `5m`, `1h`, `30d` → ms; undefined when not such a duration. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

export const durationOf = (text: string): number => durationMs(text) ?? 0;

export function breaches(value: number, comparator: Comparator, threshold: number): boolean {
  if (comparator === '>') return value > threshold;
  if (comparator === '>=') return value >= threshold;
  if (comparator === '<') return value < threshold;
  return value <= threshold;
}

/** The store's aggregate for a rule (budget rules sum cost and divide by the budget). */
export function storeAggregate(d: RuleDefinition): AlertAggregate {
  switch (d.metric) {
    case 'cost': return d.aggregation === 'avg' ? 'cost_avg' : 'cost_sum';
    case 'budget_used': return 'cost_sum';
    case 'tokens': return `tokens_${d.token_kind ?? 'total'}`;
    case 'latency': case 'ttft': return `${d.metric}_${d.aggregation as `p${number}`}`;
    default: return d.metric;
  }
}

export const groupColumns = (groupBy: string | null): AlertGroupBy[] => (groupBy === null ? [] : [groupBy as AlertGroupBy]);
