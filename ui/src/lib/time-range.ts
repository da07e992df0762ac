import { useSyncExternalStore } from 'react';
import { useSearchParams } from './router.tsx';

export const PRESETS = ['15m', '1h', '6h', '24h', '7d', '30d', '90d'] as const;
export type Preset = (typeof PRESETS)[number];
export const DEFAULT_PRESET: Preset = '24h';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const PRESET_MS: Record<Preset, number> = {
  '15m': 15 * MINUTE, '1h': HOUR, '6h': 6 * HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY,
};

/** A relative preset ("last 24h"), or a fixed window in epoch ms. */
export type TimeRange = { preset: Preset } | { from: number; to: number };

export const isPreset = (s: string | null): s is Preset => s !== null && (PRESETS as readonly string[]).includes(s);

/** `range=6h`, or `from=<ms>&to=<ms>`; anything else is the default preset. */
export function parseTimeRange(params: URLSearchParams): TimeRange {
  const from = Number(params.get('from'));
  const to = Number(params.get('to'));
  if (params.get('from') && params.get('to') && Number.isFinite(from) && Number.isFinite(to) && to > from) return { from, to };
  const range = params.get('range');
  return { preset: isPreset(range) ? range : DEFAULT_PRESET };
}

export function writeTimeRange(params: URLSearchParams, range: TimeRange): void {
  params.delete('range');
  params.delete('from');
  params.delete('to');
  if ('preset' in range) {
    if (range.preset !== DEFAULT_PRESET) params.set('range', range.preset);
  } else {
    params.set('from', String(Math.round(range.from)));
    params.set('to', String(Math.round(range.to)));
  }
}

/** Only the time parameters of `params`, for links that keep the range. */
export function timeParams(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of ['range', 'from', 'to']) {
    const v = params.get(k);
    if (v) out.set(k, v);
  }
  return out;
}

export function resolveTimeRange(range: TimeRange, now: number): { from: number; to: number } {
  return 'preset' in range ? { from: now - PRESET_MS[range.preset], to: now } : { from: range.from, to: range.to };
}

/**
 * "Now" for relative ranges only moves when asked (refresh button, auto-refresh tick), so
 * query keys stay stable between renders instead of changing every millisecond.
 */
let clock = Date.now();
const clockListeners = new Set<() => void>();
export function refreshNow(): void {
  clock = Date.now();
  clockListeners.forEach((l) => l());
}
/** Moves "now" unless it moved moments ago (a page that just mounted keeps its queries). */
export function refreshNowIfStale(maxAgeMs = 5_000): void {
  if (Date.now() - clock > maxAgeMs) refreshNow();
}
const subscribeClock = (l: () => void) => {
  clockListeners.add(l);
  return () => clockListeners.delete(l);
};
export const useNow = (): number => useSyncExternalStore(subscribeClock, () => clock, () => clock);

/** The page's time range from the URL, resolved against the shared clock. */
export function useTimeWindow(): { range: TimeRange; from: number; to: number } {
  const params = useSearchParams();
  const now = useNow();
  const range = parseTimeRange(params);
  return { range, ...resolveTimeRange(range, now) };
}
