import { readFile, rename, writeFile } from 'node:fs/promises';
import type { KeyRecordLike } from '@periscope/contract';
import type { KeySnapshot } from './gateway-keys.ts';

export interface ControlPlaneKeysOptions {
  /** The ingest's base URL (`periscope proxy --control-url`). */
  controlUrl: string;
  adminToken: string;
  snapshot: KeySnapshot;
  /** Last good snapshot, so a proxy starts while the control plane is down. */
  cacheFile: string;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  intervalMs?: number;
}

/**
 * Keys reach distributed proxies without ClickHouse on the request path: each proxy polls the
 * control plane (`GET /api/keys/snapshot`, key hashes only) twice a second, swaps its
 * in-memory snapshot, and keeps the last good one on disk. A revoked key stops working within
 * one interval plus one poll (under a second); an unchanged snapshot costs a 304. A
 * control-plane outage, or a control plane kept from the CPU (it runs at the background
 * priority: docs/deployment.md), keeps the last snapshot in force.
 */
export class ControlPlaneKeys {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private polling = false;
  private etag: string | undefined;
  private readonly o: Required<ControlPlaneKeysOptions>;

  constructor(o: ControlPlaneKeysOptions) {
    this.o = { intervalMs: 500, ...o };
  }

  /** Loads the cached snapshot, then tries the control plane once; never throws. */
  async start(): Promise<void> {
    try {
      this.o.snapshot.replace(JSON.parse(await readFile(this.o.cacheFile, 'utf8')) as KeyRecordLike[]);
    } catch {
      // No cache yet (first start): the first successful poll fills it.
    }
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.o.intervalMs);
    this.timer.unref();
  }

  /** One poll at a time: a slow control plane must not pile up requests every interval. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const res = await fetch(new URL('/api/keys/snapshot', this.o.controlUrl), {
        headers: { authorization: `Bearer ${this.o.adminToken}`, ...(this.etag ? { 'if-none-match': this.etag } : {}) },
        signal: AbortSignal.timeout(2000),
      });
      if (res.status !== 304) {
        if (!res.ok) throw new Error(`control plane answered ${res.status}`);
        const { data } = (await res.json()) as { data: KeyRecordLike[] };
        this.o.snapshot.replace(data);
        const tmp = `${this.o.cacheFile}.tmp`;
        await writeFile(tmp, JSON.stringify(data), { mode: 0o600 });
        await rename(tmp, this.o.cacheFile);
        this.etag = res.headers.get('etag') ?? undefined;
      }
      if (this.failing) this.o.log.info({}, 'control plane reachable again; key snapshot updated');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.o.log.warn({ err: (err as Error).message }, 'cannot refresh keys from the control plane; keeping the last snapshot');
      this.failing = true;
    } finally {
      this.polling = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
