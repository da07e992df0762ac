import { useSyncExternalStore } from 'react';

/** Light/dark: follows the OS until the user picks one; the choice is kept in localStorage. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'periscope.theme';
const listeners = new Set<() => void>();

function readChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

const media = () => (typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : undefined);

function resolve(choice: ThemeChoice): Theme {
  if (choice !== 'system') return choice;
  return media()?.matches ? 'dark' : 'light';
}

let choice: ThemeChoice = typeof window === 'undefined' ? 'system' : readChoice();

function apply() {
  const theme = resolve(choice);
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  listeners.forEach((l) => l());
}

export function initTheme(): void {
  apply();
  media()?.addEventListener?.('change', apply);
}

export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  apply();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function useTheme(): { choice: ThemeChoice; theme: Theme } {
  const theme = useSyncExternalStore(subscribe, () => resolve(choice), () => 'light' as Theme);
  const current = useSyncExternalStore(subscribe, () => choice, () => choice);
  return { choice: current, theme };
}
