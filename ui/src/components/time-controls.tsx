import { useEffect, useId, useRef, useState, useSyncExternalStore, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useI18n, type MessageKey } from '../lib/i18n/index.tsx';
import { updateSearch } from '../lib/router.tsx';
import { PRESETS, refreshNow, writeTimeRange, useTimeWindow, type Preset, type TimeRange } from '../lib/time-range.ts';
import { formatDateTime } from '../lib/format.ts';
import { Icon } from './icons.tsx';

/** Dispatched by the `t` shortcut; the picker on the page opens itself. */
export const OPEN_TIME_RANGE_EVENT = 'periscope:open-time-range';

const toInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

export function rangeLabel(range: TimeRange, t: (k: MessageKey) => string): string {
  if ('preset' in range) return t(`range.${range.preset}` as MessageKey);
  return `${formatDateTime(range.from).slice(0, 16)} – ${formatDateTime(range.to).slice(0, 16)}`;
}

export function TimeRangePicker() {
  const { t } = useI18n();
  const { range, from, to } = useTimeWindow();
  const [open, setOpen] = useState(false);
  const [customFrom, setCustomFrom] = useState('');
  const [customTo, setCustomTo] = useState('');
  const [error, setError] = useState('');
  const anchor = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    const openIt = () => setOpen(true);
    window.addEventListener(OPEN_TIME_RANGE_EVENT, openIt);
    return () => window.removeEventListener(OPEN_TIME_RANGE_EVENT, openIt);
  }, []);

  useEffect(() => {
    if (!open) return;
    setCustomFrom(toInput(from));
    setCustomTo(toInput(to));
    setError('');
    // Focus the checked preset so arrow keys and Enter work at once.
    requestAnimationFrame(() => anchor.current?.querySelector<HTMLElement>('[aria-checked="true"], [role="menuitemradio"]')?.focus());
    const outside = (e: MouseEvent) => {
      if (anchor.current && !anchor.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', esc, true);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', esc, true);
    };
    // Only on opening: the inputs start from the window shown then.
  }, [open]);

  const choose = (next: TimeRange) => {
    updateSearch((p) => writeTimeRange(p, next));
    if ('preset' in next) refreshNow();
    setOpen(false);
    button.current?.focus();
  };

  const applyCustom = () => {
    const f = new Date(customFrom).getTime();
    const tt = new Date(customTo).getTime();
    if (!Number.isFinite(f) || !Number.isFinite(tt) || tt <= f) {
      setError(t('range.invalid'));
      return;
    }
    choose({ from: f, to: tt });
  };

  const onMenuKey = (e: ReactKeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = [...(anchor.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLElement);
    items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
  };

  return (
    <div className="popover-anchor" ref={anchor}>
      <button ref={button} type="button" className="btn" aria-haspopup="menu" aria-expanded={open} aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((o) => !o)} title={`${t('range.label')} (t)`} data-testid="time-range">
        <Icon name="clock" />
        {rangeLabel(range, t)}
        <Icon name="chevronDown" />
      </button>
      {open && (
        <div className="popover" id={menuId}>
          <div role="menu" aria-label={t('range.label')} onKeyDown={onMenuKey}>
            {PRESETS.map((p: Preset) => (
              <button key={p} type="button" role="menuitemradio" className="menu-item" aria-checked={'preset' in range && range.preset === p}
                onClick={() => choose({ preset: p })}>
                {t(`range.${p}` as MessageKey)}
                <span className="kbd">{p}</span>
              </button>
            ))}
          </div>
          <form className="custom-range" onSubmit={(e) => { e.preventDefault(); applyCustom(); }}>
            <strong style={{ fontSize: 12.5 }}>{t('range.custom')}</strong>
            <label className="field"><span>{t('range.from')}</span>
              <input className="input" type="datetime-local" value={customFrom} onChange={(e) => setCustomFrom(e.target.value)} />
            </label>
            <label className="field"><span>{t('range.to')}</span>
              <input className="input" type="datetime-local" value={customTo} onChange={(e) => setCustomTo(e.target.value)} />
            </label>
            {error && <div className="form-error" role="alert">{error}</div>}
            <button type="submit" className="btn btn-primary">{t('action.apply')}</button>
          </form>
        </div>
      )}
    </div>
  );
}

const AUTO_REFRESH_MS = 30_000;
let autoRefresh = false;
const autoListeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
function setAutoRefresh(on: boolean) {
  autoRefresh = on;
  if (timer) clearInterval(timer);
  timer = on ? setInterval(refreshNow, AUTO_REFRESH_MS) : undefined;
  autoListeners.forEach((l) => l());
}
const subscribeAuto = (l: () => void) => {
  autoListeners.add(l);
  return () => autoListeners.delete(l);
};

/** Refresh now, and the 30 s auto-refresh toggle (moves "now" for relative ranges). */
export function RefreshControls({ fetching }: { fetching?: boolean }) {
  const { t } = useI18n();
  const on = useSyncExternalStore(subscribeAuto, () => autoRefresh, () => autoRefresh);
  const { range } = useTimeWindow();
  const client = useQueryClient();
  // A relative range refetches by moving "now" (new query keys); a fixed one has to ask again.
  const refresh = () => ('preset' in range ? refreshNow() : void client.invalidateQueries({ type: 'active' }));
  return (
    <div className="segmented" role="group" aria-label={t('refresh.group')}>
      <button type="button" onClick={refresh} title={t('refresh.now')} aria-label={t('refresh.now')}>
        <Icon name="refresh" width={14} height={14} style={fetching ? { animation: 'spin 1s linear infinite' } : undefined} />
      </button>
      <button type="button" aria-pressed={on} onClick={() => setAutoRefresh(!on)} title={t('refresh.autoHint')}>
        {on ? t('refresh.autoOn') : t('refresh.autoOff')}
      </button>
    </div>
  );
}
