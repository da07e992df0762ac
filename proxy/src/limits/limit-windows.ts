export type BudgetPeriod = 'day' | 'week' | 'month';

export interface Window {
  /** Stable id of the window, part of its counter key. */
  id: string;
  /** When it ends (epoch ms). */
  endsAt: number;
}

const DAY_MS = 86_400_000;

/** The current UTC minute. */
export function minuteWindow(now: number): Window {
  const start = Math.floor(now / 60_000) * 60_000;
  return { id: `m${start / 60_000}`, endsAt: start + 60_000 };
}

/** Calendar windows in UTC: the day, the ISO week (from Monday), the month. */
export function budgetWindow(period: BudgetPeriod, now: number): Window {
  const d = new Date(now);
  if (period === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { id: `d${start / DAY_MS}`, endsAt: start + DAY_MS };
  }
  if (period === 'week') {
    const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    const start = dayStart - ((d.getUTCDay() + 6) % 7) * DAY_MS;
    return { id: `w${start / DAY_MS}`, endsAt: start + 7 * DAY_MS };
  }
  return { id: `M${d.getUTCFullYear()}-${d.getUTCMonth() + 1}`, endsAt: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}
