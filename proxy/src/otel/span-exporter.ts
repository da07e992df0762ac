import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../runtime/module-runner.ts';
import type { ExporterSettings, FromExporter, ToExporter } from './export-protocol.ts';
import { packedSpanCount, type PackedCallSpanRecord } from './span-record.ts';

export interface ExporterCounters {
  exported(spans: number): void;
  dropped(reason: string, spans: number): void;
  exportFailed(reason: string): void;
}

export interface ExporterLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Records are handed to the exporter thread in small groups: one message per this many, or per
 * tick below. Cloning costs per record either way; small groups keep each handover short, so no
 * single tick of the event loop carries a long one.
 */
const HANDOFF_RECORDS = 16;
const HANDOFF_MS = 20;
/** A crashed exporter thread is restarted after this long, doubling up to a minute. */
const RESTART_MS = 1000;

/**
 * The gateway's side of span export: a bounded queue whose bound counts both the records not yet
 * handed over and the spans the exporter thread holds (it settles each one back), so a slow or
 * unreachable collector fills the queue and the rest is dropped and counted, never waited for.
 * Per call this is an array push; the handover is one postMessage per group of records.
 */
export class SpanExporter {
  #pending: PackedCallSpanRecord[] = [];
  #pendingSpans = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #worker: Worker | undefined;
  #restartMs = RESTART_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #flushId = 0;
  readonly #flushes = new Map<number, () => void>();

  constructor(
    private readonly settings: ExporterSettings,
    private readonly queueSize: number,
    private readonly counters: ExporterCounters,
    private readonly log: ExporterLog,
  ) {
    this.#start();
  }

  submit(record: PackedCallSpanRecord): void {
    const spans = packedSpanCount(record);
    if (this.#closed || this.#pendingSpans + this.#inFlight + spans > this.queueSize) {
      this.counters.dropped(this.#closed ? 'shutdown' : 'queue_full', spans);
      return;
    }
    this.#pending.push(record);
    this.#pendingSpans += spans;
    if (this.#pending.length >= HANDOFF_RECORDS) this.#handoff();
    else this.#timer ??= setTimeout(() => this.#handoff(), HANDOFF_MS).unref();
  }

  /** Spans waiting here or in the exporter thread. */
  get queued(): number {
    return this.#pendingSpans + this.#inFlight;
  }

  /** Hands everything over and waits until the exporter thread has tried to send it (tests, shutdown). */
  async flush(final = false): Promise<void> {
    this.#handoff();
    const worker = this.#worker;
    if (!worker) return;
    const id = ++this.#flushId;
    await new Promise<void>((resolve) => {
      this.#flushes.set(id, resolve);
      worker.postMessage({ type: 'flush', id, final } satisfies ToExporter);
    });
  }

  /** Sends what is queued (one try each, bounded by the export timeout), then stops the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#restartTimer);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, this.settings.exportTimeoutMs + 1000).unref());
    await Promise.race([this.flush(true), deadline]);
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (this.#inFlight > 0) this.counters.dropped('shutdown', this.#inFlight);
    this.#inFlight = 0;
    await worker?.terminate();
  }

  #handoff(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const records = this.#pending;
    const spans = this.#pendingSpans;
    this.#pending = [];
    this.#pendingSpans = 0;
    if (!this.#worker) {
      this.counters.dropped('exporter_down', spans);
      return;
    }
    this.#inFlight += spans;
    this.#worker.postMessage({ type: 'records', records } satisfies ToExporter);
  }

  #start(): void {
    const worker = startWorker(siblingModule(import.meta.url, 'exporter-thread'), { workerData: this.settings });
    worker.unref();
    worker.on('message', (message: FromExporter) => this.#onMessage(message));
    worker.on('error', (err) => this.log.error({ err }, 'OpenTelemetry exporter thread failed'));
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      // Whatever it held is lost; new spans are dropped (and counted) until it is back.
      this.#worker = undefined;
      if (this.#inFlight > 0) this.counters.dropped('exporter_crashed', this.#inFlight);
      this.#inFlight = 0;
      for (const resolve of this.#flushes.values()) resolve();
      this.#flushes.clear();
      if (this.#closed) return;
      this.log.warn({ code, restart_in_ms: this.#restartMs }, 'OpenTelemetry exporter thread exited; restarting it');
      this.#restartTimer = setTimeout(() => this.#start(), this.#restartMs).unref();
      this.#restartMs = Math.min(this.#restartMs * 2, 60_000);
    });
    this.#worker = worker;
  }

  #onMessage(message: FromExporter): void {
    switch (message.type) {
      case 'settled':
        this.#inFlight = Math.max(0, this.#inFlight - message.spans);
        if (message.outcome === 'exported') {
          this.#restartMs = RESTART_MS;
          this.counters.exported(message.spans);
        } else {
          this.counters.dropped(message.reason, message.spans);
        }
        break;
      case 'export_failed':
        this.counters.exportFailed(message.reason);
        break;
      case 'flushed':
        this.#flushes.get(message.id)?.();
        this.#flushes.delete(message.id);
        break;
    }
  }
}
