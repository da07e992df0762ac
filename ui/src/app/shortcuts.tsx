import { useEffect, useRef, useState } from 'react';
import { useI18n, type MessageKey } from '../lib/i18n/index.tsx';
import { navigate } from '../lib/router.tsx';
import { Dialog } from '../components/dialog.tsx';
import { OPEN_TIME_RANGE_EVENT } from '../components/time-controls.tsx';
import { hrefKeepingTime } from './nav.ts';

export const SHORTCUTS: { keys: string[]; label: MessageKey }[] = [
  { keys: ['/'], label: 'shortcuts.search' },
  { keys: ['t'], label: 'shortcuts.timeRange' },
  { keys: ['g', 'o'], label: 'shortcuts.overview' },
  { keys: ['g', 'r'], label: 'shortcuts.requests' },
  { keys: ['g', 's'], label: 'shortcuts.sessions' },
  { keys: ['g', 'u'], label: 'shortcuts.users' },
  { keys: ['g', 'k'], label: 'shortcuts.keys' },
  { keys: ['g', 'a'], label: 'shortcuts.alerts' },
  { keys: ['j', 'k'], label: 'shortcuts.rows' },
  { keys: ['Esc'], label: 'shortcuts.close' },
  { keys: ['?'], label: 'shortcuts.help' },
];

const GO: Record<string, string> = { o: '/', r: '/requests', s: '/sessions', u: '/users', k: '/keys', a: '/alerts' };

const isTyping = (el: Element | null) =>
  el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

function focusSearch(): boolean {
  const input = document.querySelector<HTMLInputElement>('[data-shortcut="search"]');
  if (!input) return false;
  input.focus();
  input.select();
  return true;
}

/** Global keys: `/` search, `t` time range, `g o|r|s|u|k|a` go to a page, `?` this list. */
export function useGlobalShortcuts(openHelp: () => void): void {
  const pendingG = useRef(0);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || isTyping(document.activeElement)) return;
      // Inside an open dialog only its own keys apply.
      if (document.querySelector('[role="dialog"]') && e.key !== '?') return;
      if (pendingG.current && Date.now() - pendingG.current < 1200 && GO[e.key]) {
        pendingG.current = 0;
        e.preventDefault();
        navigate(hrefKeepingTime(GO[e.key]!));
        return;
      }
      pendingG.current = 0;
      if (e.key === 'g') pendingG.current = Date.now();
      else if (e.key === '/') {
        e.preventDefault();
        if (!focusSearch()) {
          navigate(hrefKeepingTime('/requests'));
          requestAnimationFrame(() => requestAnimationFrame(focusSearch));
        }
      } else if (e.key === 't') {
        e.preventDefault();
        window.dispatchEvent(new Event(OPEN_TIME_RANGE_EVENT));
      } else if (e.key === '?') {
        e.preventDefault();
        openHelp();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [openHelp]);
}

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} labelledBy="shortcut-title" variant="modal">
      <h2 id="shortcut-title">{t('shortcuts.title')}</h2>
      <div className="shortcut-list">
        {SHORTCUTS.map((s) => (
          <div key={s.label} style={{ display: 'contents' }}>
            <span>{s.keys.map((k, i) => <span key={k}>{i > 0 && (s.keys[0] === 'j' ? ' / ' : ' ')}<kbd className="kbd">{k}</kbd></span>)}</span>
            <span>{t(s.label)}</span>
          </div>
        ))}
      </div>
      <div style={{ display: 'flex', justifyContent: 'flex-end', marginTop: 16 }}>
        <button type="button" className="btn" onClick={onClose}>{t('action.close')}</button>
      </div>
    </Dialog>
  );
}

export function useShortcutHelp(): [boolean, () => void, () => void] {
  const [open, setOpen] = useState(false);
  const show = useRef(() => setOpen(true)).current;
  const hide = useRef(() => setOpen(false)).current;
  return [open, show, hide];
}
