import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** Body bytes queued for a slow client before the provider's socket is paused. */
const HIGH_WATER_BYTES = 64 * 1024;

export interface UpstreamRequestOptions {
  url: URL;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: Buffer | undefined;
  dispatcher: Dispatcher;
  headersTimeout: number;
  bodyTimeout: number;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

const DONE: IteratorResult<Buffer> = Object.freeze({ done: true, value: undefined });

/**
 * Where pipeTo() delivers an answer's chunks. `data` returns a promise when the chunk could not be
 * taken at once (the client's socket is full): no more chunks come until it settles.
 */
export interface BodySink {
  data(chunk: Buffer): Promise<void> | undefined;
  end(): void;
  /** The exchange failed. */
  fail(err: Error): void;
  /** `data` threw: the sink's own failure. */
  broke(err: Error): void;
}

/**
 * The provider's answer as undici hands it over, without a Node stream in between: chunks go to
 * a queue that the relay drains with next(). undici's `request()` wraps the same exchange in a
 * Readable and its async iterator, which measured about twice the CPU per call (85–110 against
 * 43 µs for one small JSON exchange on one core). Past HIGH_WATER_BYTES the socket is paused
 * until the relay catches up, so a slow client never makes the gateway buffer a whole stream.
 * One reader at a time: next() is called again only after the previous one settled.
 *
 * A stream's relay reads its first chunk with next() and then hands the rest to a sink
 * (pipeTo): each chunk is then given to the sink as undici delivers it, with no promise, result
 * object or turn of the microtask queue per chunk (docs/benchmarks.md, "A stream's chunks
 * pushed to the relay").
 */
export class UpstreamBody implements AsyncIterator<Buffer>, AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | undefined;
  private waiter: Waiter<IteratorResult<Buffer>> | undefined;
  private sink: BodySink | undefined;
  /** The sink asked to wait (its client's socket is full): chunks are queued meanwhile. */
  private held = false;
  /** The sink was told the end (or the failure): nothing more goes to it. */
  private sinkDone = false;

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.length;
      if (this.controller.paused && this.queued < HIGH_WATER_BYTES) this.controller.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops reading: the exchange is aborted unless it already ended. */
  return(): Promise<IteratorResult<Buffer>> {
    const reading = !this.ended && !this.failure;
    // Before the abort: undici may report it (fail()) at once, and nothing may reach a sink after this.
    this.queue.length = 0;
    this.queued = 0;
    this.ended = true;
    this.sinkDone = true;
    if (reading) this.controller.abort(new Error('the relay stopped reading the provider\'s answer'));
    return Promise.resolve(DONE);
  }

  /**
   * From now on every chunk goes to `sink` (those already queued first), then its end or
   * failure. Called once, when no next() is pending; the iterator is not used afterwards.
   */
  pipeTo(sink: BodySink): void {
    this.sink = sink;
    this.drainToSink();
  }

  push(chunk: Buffer): void {
    // Stopped reading (return()): undici may still hand over what it had already parsed.
    if (this.ended) return;
    if (this.sink && !this.held && this.queue.length === 0) {
      this.deliver(chunk);
      return;
    }
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= HIGH_WATER_BYTES) this.controller.pause();
  }

  end(): void {
    this.ended = true;
    if (this.sink) {
      this.drainToSink();
      return;
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(DONE);
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    if (this.sink) {
      this.drainToSink();
      return;
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }

  /** Gives the sink what is queued, then the end or the failure once nothing is. */
  private drainToSink(): void {
    while (!this.held && !this.sinkDone) {
      const chunk = this.queue.shift();
      if (chunk === undefined) break;
      this.queued -= chunk.length;
      this.deliver(chunk);
    }
    if (this.held || this.sinkDone) return;
    // Only an answer still being read: a finished exchange's socket may already serve another
    // call, paused for its own client, which a resume here would read for (helper-66). undici's
    // resume parses what its socket holds at once, the answer's end too: nothing more may be
    // owed to the sink after it.
    if (!this.ended && !this.failure && this.controller.paused) {
      this.controller.resume();
      if (this.held || this.sinkDone) return;
    }
    if (this.failure) this.finishSink(this.failure);
    else if (this.ended) this.finishSink(undefined);
  }

  private deliver(chunk: Buffer): void {
    let wait: Promise<void> | undefined;
    try {
      wait = this.sink!.data(chunk);
    } catch (err) {
      // The relay's own failure on this chunk: the answer is not read further.
      this.return();
      this.sink!.broke(err as Error);
      return;
    }
    if (!wait) return;
    this.held = true;
    this.controller.pause();
    void wait.then(() => {
      this.held = false;
      this.drainToSink();
    });
  }

  private finishSink(failure: Error | undefined): void {
    this.sinkDone = true;
    if (failure) this.sink!.fail(failure);
    else this.sink!.end();
  }
}

/**
 * One exchange. `response` resolves when the answer's headers arrived (1xx skipped) and rejects
 * if none did; abort() ends it at any point, and the pending promise or the body's next()
 * rejects with the reason. A plain method rather than an AbortSignal listener: adding and
 * removing an EventTarget listener per call showed up at about 3 % of the gateway's busy time.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  readonly response: Promise<UpstreamResponse>;
  private started!: Waiter<UpstreamResponse>;
  private body: UpstreamBody | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private abortedWith: Error | undefined;
  private settled = false;

  constructor() {
    this.response = new Promise((resolve, reject) => {
      this.started = { resolve, reject };
    });
  }

  abort(reason: Error): void {
    if (this.settled || this.abortedWith) return;
    this.abortedWith = reason;
    if (this.controller) {
      this.controller.abort(reason);
      return;
    }
    // Not on a socket yet (queued for a connection, or connecting): undici is told when it
    // starts the request; the caller is not kept waiting for that.
    this.settled = true;
    this.started.reject(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedWith) controller.abort(this.abortedWith);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    releaseRawHeaders(controller);
    this.body = new UpstreamBody(controller);
    this.started.resolve({ statusCode, headers, body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body!.push(chunk);
  }

  onResponseEnd(): void {
    this.settled = true;
    this.body!.end();
  }

  /** Also called, without a controller, when the request could not even be dispatched. */
  onResponseError(_controller: unknown, err: Error): void {
    this.settled = true;
    if (this.body) this.body.fail(err);
    else this.started.reject(err);
  }
}

/**
 * undici's adapter for this handler API keeps the answer's header lines on the controller
 * (`rawHeaders`: a Buffer per name and per value, about 30 for a provider's answer) for as long
 * as the exchange lasts, though only the parsed `headers` are read here. A stream lasts long
 * enough for them to be copied into the old space: about 3 KB of heap per open stream of the
 * bench's mock (docs/benchmarks.md, "What an open stream holds").
 */
function releaseRawHeaders(controller: Dispatcher.DispatchController): void {
  // Reflect.set rather than an assignment: should undici make the field read-only, the
  // assignment would throw here and fail every call; this leaves it as it is.
  if ('rawHeaders' in controller) Reflect.set(controller, 'rawHeaders', null);
}

const RELEASED_HEADERS: IncomingHttpHeaders = Object.freeze({});

/**
 * Lets go of the provider's headers once nothing reads them again. A stream's exchange lives as
 * long as the stream (a client's disconnect aborts it) and with it the head its `response`
 * resolved with: about 15 header values and their object, copied by every scavenge of the young
 * generation for as long as the stream is open, then promoted (docs/benchmarks.md, "A stream's
 * chunks pushed to the relay").
 */
export function releaseHeaders(head: { headers: IncomingHttpHeaders }): void {
  head.headers = RELEASED_HEADERS;
}

/** Sends one request through `dispatcher`; the exchange's `response` says how it went. */
export function upstreamRequest(o: UpstreamRequestOptions): UpstreamExchange {
  const exchange = new UpstreamExchange();
  try {
    o.dispatcher.dispatch({
      origin: o.url.origin,
      path: o.url.pathname + o.url.search,
      method: o.method,
      headers: o.headers,
      body: o.body,
      headersTimeout: o.headersTimeout,
      bodyTimeout: o.bodyTimeout,
    }, exchange);
  } catch (err) {
    exchange.onResponseError(undefined, err as Error);
  }
  return exchange;
}
