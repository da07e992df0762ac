import { ApiError } from '../errors.ts';

/**
 * How many exports each user or token runs at once. Each holds an engine query and then a
 * file on disk until its download ends, so one user starting many could take the disk and
 * the engine from everyone else.
 */
export class ExportSlots {
  readonly #running = new Map<string, number>();

  constructor(private readonly perUser: () => number) {}

  /** Takes a slot for `who`, or throws a 429; the returned function gives it back (once). */
  take(who: string): () => void {
    const running = this.#running.get(who) ?? 0;
    const limit = this.perUser();
    if (running >= limit) {
      throw new ApiError('too_many_requests', `${running} exports are running for you already (at most ${limit} at once); wait for one to finish.`);
    }
    this.#running.set(who, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#running.get(who) ?? 1) - 1;
      if (left > 0) this.#running.set(who, left);
      else this.#running.delete(who);
    };
  }
}
