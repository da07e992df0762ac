import type { Store } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { channelContextFromConfig, type ChannelContextOptions, type SecretBox } from '../alerts/channels/index.ts';
import type { Lease } from '../alerts/lease/lease.ts';
import { CronError, lastRun, parseCron } from './cron.ts';
import { fromRecord } from './report.ts';
import { deliverReport } from './report-delivery.ts';
import { exportLimits } from './report-limits.ts';
import { resolveParams } from './report-params.ts';
import type { ReportLinks } from './signed-links.ts';

export interface SchedulerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ReportSchedulerOptions {
  store: Store;
  lease: Lease;
  box: SecretBox;
  links: ReportLinks;
  config: () => PeriscopeConfig;
  publicUrl: () => string;
  log: SchedulerLog;
  /** How often due reports are looked for; default 5 s (a run starts at most this late). */
  tickMs?: number;
  /** Tests drive the clock. */
  now?: () => number;
  delivery?: Omit<ChannelContextOptions, 'allowPrivateTargets' | 'smtp'>;
}

/** A run missed by more than this (the server was down) is skipped, not sent late. */
const LATE_LIMIT_MS = 15 * 60_000;

/**
 * Runs scheduled reports on the one ingest worker that holds the lease. A report is due at
 * each minute its cron expression names (UTC) after it was saved; the run is recorded under
 * that minute, and a minute with a recorded run is not run again, so a new leader does not
 * repeat its predecessor's deliveries (it may repeat one whose record it never wrote).
 */
export class ReportScheduler {
  readonly #o: ReportSchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> = Promise.resolve();
  #stopped = false;
  #leading = false;

  constructor(o: ReportSchedulerOptions) {
    this.#o = o;
  }

  start(): void {
    const schedule = () => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        this.#tick = this.tick().catch((err: Error) => this.#o.log.warn({ err: err.message }, 'report scheduler round failed')).finally(schedule);
      }, this.#o.tickMs ?? 5000);
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    if (this.#leading) await this.#o.lease.release().catch((err: Error) => this.#o.log.warn({ err: err.message }, 'report lease release failed'));
  }

  /** One round: the lease, then every due report, one after the other (each is a bounded export). */
  async tick(): Promise<void> {
    this.#leading = await this.#o.lease.ensure();
    if (!this.#leading) return;
    const now = (this.#o.now ?? Date.now)();
    for (const record of await this.#o.store.listReports()) {
      if (record.schedule === '' || this.#stopped) continue;
      let due: number | null;
      try {
        due = lastRun(parseCron(record.schedule), now, LATE_LIMIT_MS);
      } catch (err) {
        if (err instanceof CronError) continue;
        throw err;
      }
      // Minutes before the report's last change belong to an older definition.
      if (due === null || due < record.updated_at) continue;
      const [latest] = await this.#o.store.listReportRuns(record.report_id, 1);
      if (latest && latest.scheduled_for >= due) continue;
      await this.#run(record, due, now);
    }
  }

  async #run(record: Awaited<ReturnType<Store['listReports']>>[number], due: number, now: number): Promise<void> {
    const { store, box, links, config, log } = this.#o;
    const c = config();
    const report = fromRecord(record, box);
    const params = resolveParams(report.params, {}, due);
    const started = now;
    const outcome = await deliverReport(record, report, params, due, {
      store, links, publicUrl: this.#o.publicUrl(), limits: exportLimits(c.reports), maxAttachmentBytes: c.reports.max_attachment_bytes,
      linkTtlMs: c.reports.link_ttl_hours * 3_600_000, channels: channelContextFromConfig(c.alerts, this.#o.delivery),
    });
    await store.recordReportRun({
      report_id: record.report_id, project_id: record.project_id, scheduled_for: due, started_at: started,
      finished_at: Math.max(started, (this.#o.now ?? Date.now)()), ok: outcome.ok, rows: outcome.rows, bytes: outcome.bytes,
      error: outcome.error, delivery: JSON.stringify(outcome.deliveries),
    });
    log.info({ report: record.report_id, due: new Date(due).toISOString(), ok: outcome.ok, rows: outcome.rows }, 'scheduled report delivered');
  }
}
