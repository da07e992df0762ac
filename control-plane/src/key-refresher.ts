import type { GatewayKeyRecord, Store } from '@periscope/clickhouse';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Keeps a gateway's key snapshot in step with the store: keys changed through this process's
 * API are pushed at once (refresh()), others are seen within one interval (0.5 s), and no key
 * check ever waits on ClickHouse. `apply` gets the full list only when it changed; a failed
 * refresh keeps the last good snapshot.
 */
export class KeyRefresher {
  private timer: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    private readonly store: Store,
    private readonly apply: (records: GatewayKeyRecord[]) => void,
    private readonly log: FastifyBaseLogger,
  ) {}

  async refresh(): Promise<void> {
    const records = await this.store.listKeys();
    const text = JSON.stringify(records);
    if (text === this.last) return;
    this.last = text;
    this.apply(records);
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
