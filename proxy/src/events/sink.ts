import { encodeRequestEventText, type RequestEvent } from '@periscope/contract';
import type { SpoolWriter } from '@periscope/spool';
import type { SpoolFullPolicy } from '@periscope/contract';
import type { ProxyMetrics } from '../metrics.ts';

/**
 * Where the proxy hands finished events. emit() must never block on the network or throw:
 * logging must not fail a call. It runs before the answer's last byte goes out, so that a
 * call the client saw answered is already in the spool.
 */
export interface EventSink {
  emit(event: RequestEvent): void;
  /**
   * Whether calls may proceed. A sink configured to fail calls rather than lose events
   * (spool full, `on_full: fail-calls`) returns false and the gateway answers 503.
   */
  admit?(): boolean;
}

export interface SinkLog {
  error(obj: object, msg: string): void;
}

/**
 * The gateway's only sink, in every deployment: each event is encoded once and appended to the
 * disk spool with one write(2); what reads the spool (the store process, or the Kafka shipper
 * thread) is never on this event loop. A refused append is dropped and counted by reason.
 */
export class SpoolSink implements EventSink {
  private lastDropLog = 0;

  constructor(
    private readonly writer: SpoolWriter,
    private readonly onFull: SpoolFullPolicy,
    private readonly metrics: Pick<ProxyMetrics, 'eventsEmitted' | 'eventsDropped'>,
    private readonly log: SinkLog,
  ) {}

  emit(event: RequestEvent): void {
    const result = this.writer.appendText(encodeRequestEventText(event));
    if (result.ok) {
      this.metrics.eventsEmitted.inc();
      return;
    }
    this.metrics.eventsDropped.inc({ reason: result.reason });
    if (Date.now() - this.lastDropLog > 5000) {
      this.lastDropLog = Date.now();
      this.log.error(
        { reason: result.reason, err: result.error?.message, spool_bytes: this.writer.bytes },
        'EVENT DROPPED: the disk spool cannot take it; see periscope_events_dropped_total',
      );
    }
  }

  admit(): boolean {
    return this.onFull !== 'fail-calls' || !this.writer.full;
  }
}
