/** What the client's disconnect must stop at once: the provider exchange in flight. */
export interface Abortable {
  abort(reason: Error): void;
}

/**
 * The client's disconnect as a call sees it. The hot path reads `aborted` and registers the
 * upstream exchange; a real AbortSignal is made only for what waits on one (a key pool, a
 * retry's backoff, an attempt's timeout), because Node builds a controller's signal lazily and
 * building it showed up at about 1.6 % of the gateway's busy time when every call did.
 */
export class ClientDisconnect {
  aborted = false;
  reason: Error | undefined;
  /** The latest attempt's exchange with the provider. */
  exchange: Abortable | undefined;
  #controller: AbortController | undefined;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DOMException('The client closed the connection.', 'AbortError');
    this.#controller?.abort(this.reason);
    this.exchange?.abort(this.reason);
  }
}
