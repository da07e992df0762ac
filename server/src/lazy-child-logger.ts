import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogMethod = (...args: unknown[]) => void;

/**
 * A request's logger that becomes pino's child logger (the request id bound) only when the
 * request logs a line. Fastify makes the child for every request otherwise: about 5 µs of each
 * call on the gateway's core in a wave of streams, and objects an open stream keeps, for lines
 * almost no call writes (the access log is off on gateways; docs/benchmarks.md, "A wave's
 * opens, profiled").
 */
class LazyChildLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  logger(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }

  get level(): string {
    return this.logger().level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
}

// One method per level on the prototype, each handing its line to the child.
for (const level of LEVELS) {
  const method: LogMethod = function (this: LazyChildLogger, ...args) {
    const logger = this.logger();
    Reflect.apply(logger[level], logger, args);
  };
  Object.defineProperty(LazyChildLogger.prototype, level, { value: method, writable: true, configurable: true });
}

export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) =>
  new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
