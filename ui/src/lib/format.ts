/** Number formatting for people: short, stable widths, no locale surprises in tables. */

const trimZeros = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

/** 1234 → "1.2k", 4_500_000 → "4.5M"; below 1000 the integer itself. */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  const sign = n < 0 ? '-' : '';
  if (abs < 1000) return sign + trimZeros(abs >= 100 || Number.isInteger(abs) ? abs.toFixed(0) : abs.toFixed(1));
  const units: [number, string][] = [[1e3, 'k'], [1e6, 'M'], [1e9, 'B'], [1e12, 'T']];
  let i = units.findLastIndex(([size]) => abs >= size);
  // 999,600 rounds to "1000k": say "1M" instead.
  if (i < units.length - 1 && abs / units[i]![0] >= 999.5) i += 1;
  const [size, unit] = units[i]!;
  const v = abs / size;
  return sign + trimZeros(v.toFixed(v >= 100 ? 0 : 1)) + unit;
}

export const formatTokens = (n: number | null | undefined): string => (n == null ? '—' : formatCompact(n));

/** 1234567 → "1,234,567" */
export const formatInteger = (n: number | null | undefined): string =>
  n == null ? '—' : Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** "$0.0123", "$12.34", "$1.2k"; tiny costs keep two significant digits. */
export function formatCost(usd: number | null | undefined): string {
  if (usd == null || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs >= 1000) return `${sign}$${formatCompact(abs)}`;
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  if (abs >= 0.01) return `${sign}$${abs.toFixed(4).replace(/0{1,2}$/, '')}`;
  return `${sign}$${trimZeros(abs.toPrecision(2))}`;
}

/** 850 → "850 ms", 1200 → "1.2 s", 184000 → "3m 4s", 7_500_000 → "2h 5m". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trimZeros((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h >= 24) return `${Math.floor(h / 24)}d ${h % 24}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
}

/** 0.1234 → "12.3%"; ratios, not percentages, go in. */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio == null || !Number.isFinite(ratio)) return '—';
  const pct = ratio * 100;
  if (pct !== 0 && Math.abs(pct) < 0.1) return pct < 0 ? '>-0.1%' : '<0.1%';
  return `${trimZeros(pct.toFixed(digits))}%`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time, "2026-11-25 14:03:07"; with ms for the detail view. */
export function formatDateTime(value: string | number | Date, withMs = false): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** "5 minutes ago" / "5分钟前" in the UI language. */
export function formatRelativeTime(value: string | number | Date, lang: string, now = Date.now()): string {
  const t = new Date(value).getTime();
  if (Number.isNaN(t)) return '—';
  const diff = (t - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 45) return rtf.format(Math.round(diff), 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(diff / 3600), 'hour');
  if (abs < 26 * 86400) return rtf.format(Math.round(diff / 86400), 'day');
  if (abs < 320 * 86400) return rtf.format(Math.round(diff / (30 * 86400)), 'month');
  return rtf.format(Math.round(diff / (365 * 86400)), 'year');
}

/** Relative change from previous to current; null when there is nothing to compare with. */
export function relativeChange(current: number | null | undefined, previous: number | null | undefined): number | null {
  if (current == null || previous == null || !Number.isFinite(current) || !Number.isFinite(previous)) return null;
  if (previous === 0) return current === 0 ? 0 : null;
  return (current - previous) / Math.abs(previous);
}
