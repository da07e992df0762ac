import type { Store } from '@periscope/clickhouse';
import type { KeySnapshot } from '@periscope/proxy';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Keeps the proxy's in-memory key snapshot in step with the store: keys changed through this
 * process's API are pushed at once (onKeysChanged), others are seen within one interval
 * (0.5 s), and no key check ever waits on ClickHouse. A failed refresh keeps the last good
 * snapshot.
 */
export class KeyRefresher {
  private timer: NodeJS.Timeout | undefined;
  private readonly store: Store;
  private readonly snapshot: KeySnapshot;
  private readonly log: FastifyBaseLogger;

  constructor(store: Store, snapshot: KeySnapshot, log: FastifyBaseLogger) {
    this.store = store;
    this.snapshot = snapshot;
    this.log = log;
  }

  async refresh(): Promise<void> {
    this.snapshot.replace(await this.store.listKeys());
  }

  start(intervalMs = 500): void {
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.log.warn({ err }, 'key refresh failed; keeping the last snapshot'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
