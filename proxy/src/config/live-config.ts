import { watch, type FSWatcher } from 'node:fs';
import type { PeriscopeConfig } from '@periscope/contract';
import { loadConfigFile } from './load.ts';

/** Sections read once at start (listeners, queues, the event pipeline): a reload cannot change them. */
const RESTART_ONLY = ['gateway', 'logging', 'kafka', 'cache', 'otel'] as const;

export interface ReloadLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The config in effect. Each call reads `current` once when it starts and keeps that snapshot,
 * so a reload never changes a call in flight; the next call sees the new one.
 */
export class LiveConfig {
  #current: PeriscopeConfig;
  #version = 1;

  constructor(initial: PeriscopeConfig) {
    this.#current = initial;
  }

  get current(): PeriscopeConfig {
    return this.#current;
  }

  /** Increments on every applied reload (for logs and tests). */
  get version(): number {
    return this.#version;
  }

  /** Applies `next`; returns the restart-only sections that differ (and were not applied). */
  replace(next: PeriscopeConfig): string[] {
    const ignored = RESTART_ONLY.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(this.#current[k]));
    this.#current = Object.assign({}, next, Object.fromEntries(RESTART_ONLY.map((k) => [k, this.#current[k]])));
    this.#version += 1;
    return ignored;
  }
}

export interface ConfigWatcher {
  /** Re-reads the file now (what SIGHUP does); resolves true when the new config was applied. */
  reload(): boolean;
  close(): void;
}

/**
 * Hot reload: the file is re-read when it changes (debounced, editors write in several
 * steps) and on SIGHUP. A file that does not parse or validate leaves the running config in
 * place and the error is logged with its path.
 */
export function watchConfigFile(path: string, live: LiveConfig, log: ReloadLog, env: NodeJS.ProcessEnv = process.env): ConfigWatcher {
  let last = '';
  const reload = (): boolean => {
    let next: PeriscopeConfig;
    try {
      next = loadConfigFile(path, env);
    } catch (err) {
      log.error({ path, err: (err as Error).message }, 'config reload failed; keeping the running config');
      return false;
    }
    const text = JSON.stringify(next);
    if (text === last) return true;
    last = text;
    const ignored = live.replace(next);
    log.info({ path, version: live.version }, 'config reloaded');
    if (ignored.length > 0) log.warn({ path, sections: ignored }, 'config sections changed that only apply after a restart');
    return true;
  };
  last = JSON.stringify(live.current);
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, 100);
  };
  let watcher: FSWatcher | undefined;
  const startWatching = () => {
    try {
      // The directory, not the file: editors and `mv` replace the file, which ends a file watch.
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
      const base = path.slice(path.lastIndexOf('/') + 1);
      watcher = watch(dir, (_event, name) => {
        if (name === null || String(name) === base) schedule();
      });
      watcher.on('error', (err) => log.warn({ path, err: err.message }, 'config file watch stopped; SIGHUP still reloads'));
    } catch (err) {
      log.warn({ path, err: (err as Error).message }, 'cannot watch the config file; SIGHUP still reloads');
    }
  };
  startWatching();
  const onHup = () => void reload();
  process.on('SIGHUP', onHup);
  return {
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', onHup);
    },
  };
}
