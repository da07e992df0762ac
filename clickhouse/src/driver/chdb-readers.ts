import { randomUUID } from 'node:crypto';
import type { Session } from 'chdb';
import { StoreError } from '../errors.ts';
import { SANDBOX_DATABASE } from './chdb-engine-config.ts';
import type { QuerySettings } from './driver.ts';

/** Idle connections kept per set of settings; more are closed when they finish. */
const MAX_IDLE_PER_SETTINGS = 4;
const SETTING_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Connections for users' SQL, on the store's data directory next to its own session. chDB
 * lets one process open several connections to one directory, each with its own query state,
 * and they run in parallel (measured: 2-8 ms store queries while a cross join ran on another
 * connection), so a user's heavy query holds no lock the store's readers wait on.
 *
 * Each connection is opened `readonly = 1` with the statement's settings (limits, output
 * options) as engine arguments, so nothing the statement says can change them; its current
 * database is an empty one, so an unqualified name that is not the statement's own cannot
 * reach a table. A connection runs one statement at a time, goes back to the pool only after
 * a success (a failed chDB query can leave output behind for the next one), and is closed
 * otherwise.
 *
 * Every statement starts with a comment naming it, so `kill` (a KILL QUERY on another
 * connection) can stop it in the engine when its caller goes away: chDB cannot interrupt a
 * running query any other way (a stream is cancelled between chunks only, and a query that
 * aggregates produces its one chunk at the end).
 */
export class ReadOnlyConnections {
  readonly #idle = new Map<string, Session[]>();
  #closed = false;

  constructor(
    private readonly connect: (engineArgs: string[]) => Session,
    private readonly kill: (marker: string) => Promise<void>,
  ) {}

  /** Runs `work` on a connection for `settings`; `work` must prefix its statement with `marker`. */
  async run<T>(settings: QuerySettings, signal: AbortSignal | undefined, work: (session: Session, marker: string) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('store_unavailable', 'the store is closed');
    signal?.throwIfAborted();
    const key = JSON.stringify(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));
    const session = this.#idle.get(key)?.pop() ?? (await this.#open(settings));
    const marker = `/* periscope-sandbox:${randomUUID()} */ `;
    const stop = () => void this.kill(marker).catch(() => {});
    signal?.addEventListener('abort', stop, { once: true });
    let reusable = false;
    try {
      const result = await work(session, marker);
      reusable = !signal?.aborted;
      return result;
    } finally {
      signal?.removeEventListener('abort', stop);
      const idle = this.#idle.get(key) ?? [];
      if (reusable && !this.#closed && idle.length < MAX_IDLE_PER_SETTINGS) this.#idle.set(key, [...idle, session]);
      else session.close();
    }
  }

  close(): void {
    this.#closed = true;
    for (const sessions of this.#idle.values()) for (const session of sessions) session.close();
    this.#idle.clear();
  }

  async #open(settings: QuerySettings): Promise<Session> {
    const args = ['--readonly=1'];
    for (const [name, value] of Object.entries(settings)) {
      if (!SETTING_NAME.test(name)) throw new Error(`invalid setting name ${JSON.stringify(name)}`);
      if (name === 'readonly' && String(value) === '1') continue;
      if (name === 'readonly') throw new Error('read-only connections are opened with readonly = 1');
      args.push(`--${name}=${value}`);
    }
    const session = this.connect(args);
    try {
      await session.queryAsync(`USE ${SANDBOX_DATABASE}`, { format: 'CSV' });
    } catch (err) {
      session.close();
      throw err;
    }
    return session;
  }
}
