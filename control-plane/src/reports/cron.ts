/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), in UTC: numbers,
 * `*`, lists `a,b`, ranges `a-b`, steps (`a-b/n`, and `/n` after a `*`), names (jan-dec, sun-sat) and
 * 7 for Sunday. As in Vixie cron, when both day fields are restricted a day matching
 * either one matches.
 */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Whether the day-of-month / day-of-week field was `*` (matters for the either-day rule). */
  anyDay: boolean;
  anyWeekday: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class CronError extends Error {}

export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronError('a schedule has five fields: minute hour day-of-month month day-of-week (UTC)');
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
  const weekdays = parseField(weekday, 0, 7, WEEKDAYS, 'day-of-week');
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    minutes: parseField(minute, 0, 59, [], 'minute'),
    hours: parseField(hour, 0, 23, [], 'hour'),
    days: parseField(day, 1, 31, [], 'day-of-month'),
    months: parseField(month, 1, 12, MONTHS, 'month', 1),
    weekdays,
    anyDay: day === '*',
    anyWeekday: weekday === '*',
  };
}

function parseField(field: string, min: number, max: number, names: string[], what: string, nameBase = 0): Set<number> {
  const values = new Set<number>();
  const value = (text: string): number => {
    const named = names.indexOf(text.toLowerCase());
    const n = named >= 0 ? named + nameBase : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new CronError(`${what}: "${text}" is not from ${min} to ${max}`);
    return n;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`${what}: bad step in "${part}"`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
      if (from > to) throw new CronError(`${what}: range "${range}" runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function matches(s: CronSchedule, at: Date): boolean {
  if (!s.minutes.has(at.getUTCMinutes()) || !s.hours.has(at.getUTCHours()) || !s.months.has(at.getUTCMonth() + 1)) return false;
  const day = s.days.has(at.getUTCDate());
  const weekday = s.weekdays.has(at.getUTCDay());
  if (s.anyDay || s.anyWeekday) return day && weekday;
  return day || weekday;
}

const MINUTE = 60_000;
/** A schedule may name a day that comes once in four years (Feb 29): look that far. */
const HORIZON_MINUTES = 4 * 366 * 24 * 60;

/** The first minute after `afterMs` (epoch ms) the schedule names, or null when it names none. */
export function nextRun(s: CronSchedule, afterMs: number): number | null {
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < HORIZON_MINUTES; i += 1, t += MINUTE) {
    const at = new Date(t);
    if (!s.months.has(at.getUTCMonth() + 1)) {
      // Skip to the first minute of the next month.
      t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1) - MINUTE;
      continue;
    }
    if (matches(s, at)) return t;
  }
  return null;
}

/** The last minute at or before `atMs` the schedule names, within the past `lookbackMs`. */
export function lastRun(s: CronSchedule, atMs: number, lookbackMs: number): number | null {
  for (let t = Math.floor(atMs / MINUTE) * MINUTE; t > atMs - lookbackMs; t -= MINUTE) {
    if (matches(s, new Date(t))) return t;
  }
  return null;
}
