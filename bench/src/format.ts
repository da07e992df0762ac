/** Number formats shared by the reports: thousands separators, ms that switch to s, MB. */

export const num = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

/** Milliseconds with precision that suits the size: 0.42 ms, 33.5 ms, 872 ms, 3.9 s. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const a = Math.abs(n);
  if (a >= 1000) return `${num(n / 1000, 1)} s`;
  return `${num(n, a < 10 ? 2 : a < 100 ? 1 : 0)} ms`;
}

/** A difference: +0.86 ms, −1.2 ms. */
export const signedMs = (n: number): string => (Number.isFinite(n) ? `${n >= 0 ? '+' : '−'}${ms(Math.abs(n))}` : 'n/a');

/** Decimal megabytes, as the goals are stated. */
export const mb = (bytes: number): string => (Number.isFinite(bytes) && bytes > 0 ? `${num(bytes / 1e6)} MB` : '—');

/** Safe inside a Markdown table cell. */
export const cell = (s: string): string => s.replaceAll('|', '/').replaceAll('\n', ' ');

/** Two latencies with one unit when they share it: `0.41 / 43.7 ms`, `+0.86 / +33.5 ms`, `+1.4 / +1.7 s`. */
export function msPair(a: number, b: number, signed = false): string {
  const one = signed ? signedMs : ms;
  const [x, y] = [one(a), one(b)];
  const unit = (t: string) => t.split(' ')[1];
  return unit(x) === unit(y) && unit(x) ? `${x.split(' ')[0]} / ${y}` : `${x} / ${y}`;
}
