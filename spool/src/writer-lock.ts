import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A heartbeat older than this belongs to a writer that is gone. Only consulted for a holder in
 * another PID namespace (another container, another host on shared storage), which this process
 * cannot ask directly.
 */
export const LOCK_STALE_MS = 10_000;
const LOCK_FILE = 'writer.lock';

/** What the lock file says about its writer. */
interface Holder {
  token: string;
  host: string;
  /** This kernel's boot and PID namespace: pids compare only within the same one. */
  namespace: string;
  pid: number;
  /** The process's start time in clock ticks since boot: a reused pid does not share it. */
  started: string;
  beatAt: number;
}

/** Another writer appends to this spool directory (two gateways on one data directory). */
export class SpoolDirInUse extends Error {
  constructor(dir: string, holder: Holder) {
    super(`spool: ${dir} is in use by another gateway (pid ${holder.pid} on ${holder.host}); `
      + 'each gateway needs a data directory of its own: two writers on one spool lose events');
    this.name = 'SpoolDirInUse';
  }
}

const readOr = (read: () => string): string => {
  try {
    return read().trim();
  } catch {
    return '';
  }
};

/** '' where /proc cannot say (not Linux): the heartbeat decides then, even for this host's own processes. */
function ownNamespace(): string {
  const boot = readOr(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const ns = readOr(() => fs.readlinkSync('/proc/self/ns/pid'));
  return boot && ns ? `${boot}/${ns}` : '';
}

/** The start time of a running process; '' for none, and for one that exited but was not reaped yet (a zombie). */
function startTime(pid: number): string {
  const stat = readOr(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  // Fields from the third on, after the command name, which may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? '' : (fields[19] ?? '');
}

function holderAlive(holder: Holder, now: number): boolean {
  const namespace = ownNamespace();
  if (namespace !== '' && holder.namespace === namespace) return holder.started !== '' && startTime(holder.pid) === holder.started;
  return now - holder.beatAt < LOCK_STALE_MS;
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.token !== 'string' || typeof h.pid !== 'number' || typeof h.beatAt !== 'number') return undefined;
    return { token: h.token, host: String(h.host ?? ''), namespace: String(h.namespace ?? ''), pid: h.pid, started: String(h.started ?? ''), beatAt: h.beatAt };
  } catch {
    return undefined;
  }
}

/**
 * One writer per spool directory. Two gateways appending to one spool lose events without a
 * trace: each deletes the other's segments as it ships them, and records appended to a deleted
 * segment are never read. A second writer is refused while the first runs; a lock left by a
 * writer that died (SIGKILL, a container restart) is taken over at once when /proc can tell, or
 * once its heartbeat is LOCK_STALE_MS old when it cannot.
 */
export class WriterLock {
  private lost = false;

  private constructor(private readonly file: string, private readonly self: Holder, private readonly now: () => number) {}

  static acquire(dir: string, now: () => number = Date.now): WriterLock {
    const file = path.join(dir, LOCK_FILE);
    const self: Holder = {
      token: randomUUID(), host: os.hostname(), namespace: ownNamespace(), pid: process.pid, started: startTime(process.pid), beatAt: now(),
    };
    const lock = new WriterLock(file, self, now);
    try {
      fs.writeFileSync(file, JSON.stringify(self), { flag: 'wx', mode: 0o600 });
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // A file that does not parse is a writer killed while creating it.
    const holder = parseHolder(readOr(() => fs.readFileSync(file, 'utf8')));
    if (holder && holderAlive(holder, now())) throw new SpoolDirInUse(dir, holder);
    lock.write();
    const after = parseHolder(readOr(() => fs.readFileSync(file, 'utf8')));
    // Another writer took the stale lock over at the same moment.
    if (after?.token !== self.token) throw new SpoolDirInUse(dir, after ?? self);
    return lock;
  }

  /** The heartbeat; false once another writer holds the lock (it judged this one gone). */
  refresh(): boolean {
    if (this.lost) return false;
    const holder = parseHolder(readOr(() => fs.readFileSync(this.file, 'utf8')));
    if (holder && holder.token !== this.self.token) {
      this.lost = true;
      return false;
    }
    this.self.beatAt = this.now();
    this.write();
    return true;
  }

  release(): void {
    const holder = parseHolder(readOr(() => fs.readFileSync(this.file, 'utf8')));
    if (holder?.token !== this.self.token) return;
    try {
      fs.unlinkSync(this.file);
    } catch {
      // Gone already.
    }
  }

  /** Whole or not at all: a rename over the old file. */
  private write(): void {
    const tmp = `${this.file}.${this.self.token}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.self), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
