import type { RequestEvent } from '@periscope/clickhouse/contract';

/**
 * Where the proxy hands finished events. emit() must never block or throw: the proxy calls
 * it after the response ended, and logging must not fail a call. Implementations: the
 * embedded in-process queue (here) and the Kafka sink (distributed deployment).
 */
export interface EventSink {
  emit(event: RequestEvent): void;
  /**
   * Whether calls may proceed. A sink configured to fail calls rather than lose events
   * (spool full, `on_full: fail-calls`) returns false and the gateway answers 503.
   */
  admit?(): boolean;
}

export interface QueueCounters {
  onEnqueued(): void;
  onDropped(reason: 'queue_full' | 'closed'): void;
}

/**
 * A bounded FIFO between the proxy and a writer. When full, the newest event is dropped and
 * counted (the policy is explicit: the alternative, blocking the call, breaks the rule that
 * logging never slows a proxied call).
 */
export class BoundedEventQueue implements EventSink {
  private items: RequestEvent[] = [];
  private head = 0;
  private closed = false;
  private waiters: Array<() => void> = [];
  readonly capacity: number;
  private readonly counters: QueueCounters;

  constructor(capacity: number, counters: QueueCounters) {
    this.capacity = capacity;
    this.counters = counters;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  emit(event: RequestEvent): void {
    if (this.closed) return this.counters.onDropped('closed');
    if (this.length >= this.capacity) return this.counters.onDropped('queue_full');
    this.items.push(event);
    this.counters.onEnqueued();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Removes and returns up to `max` events, oldest first. */
  take(max: number): RequestEvent[] {
    const end = Math.min(this.items.length, this.head + max);
    const batch = this.items.slice(this.head, end);
    this.head = end;
    // Compact occasionally so the backing array does not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Puts a batch back at the front (a write failed and will be retried). */
  unshift(batch: RequestEvent[]): void {
    this.items = batch.concat(this.items.slice(this.head));
    this.head = 0;
  }

  /** Resolves when an event is available, the queue closes, or `ms` elapse. */
  waitForEvents(ms: number): Promise<void> {
    if (this.length > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters) w();
    this.waiters = [];
  }
}
